import type { RawAxiosRequestConfig } from 'axios';
import type {} from 'axios-retry';
import type { ResponseMeta } from './response-meta';
import { optionalCount } from './validation';

/** Per-call options accepted by every facade method. */
export interface RequestOptions {
  /** Cancels the request, or a stream already under way. */
  signal?: AbortSignal;
  /** Milliseconds allowed per attempt (for a streamed body, also the longest gap between bytes). */
  timeout?: number;
  /** Retries after the first attempt; 0 disables them for this call. */
  maxRetries?: number;
  /** Extra headers for this call. */
  headers?: Record<string, string>;
  /**
   * Called with the request id and rate-limit state of the successful response (the last attempt),
   * as soon as its headers arrive, before a streamed body is read.
   */
  onResponse?: (meta: ResponseMeta) => void;
}

/**
 * The axios options for RequestOptions; invalid values throw a TypeError before any I/O. The
 * per-call retry count travels in axios-retry's config key, which only this package sets.
 */
export function toAxiosConfig(options: RequestOptions = {}): RawAxiosRequestConfig {
  const config: RawAxiosRequestConfig = {};
  if (options.signal) config.signal = options.signal;
  const timeout = optionalCount(options, 'timeout', 1);
  if (timeout !== undefined) config.timeout = timeout;
  const maxRetries = optionalCount(options, 'maxRetries', 0);
  if (maxRetries !== undefined) config['axios-retry'] = { retries: maxRetries };
  if (options.headers) config.headers = { ...options.headers };
  if (options.onResponse !== undefined && typeof options.onResponse !== 'function') throw new TypeError('Invalid onResponse: expected a function.');
  return config;
}
