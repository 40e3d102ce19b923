import type { RawAxiosRequestConfig } from 'axios';
import type {} from 'axios-retry';
import type { InternalRequestConfig } from './errors';
import type { ResponseMeta } from './response-meta';
import { optionalCount, showValue } from './validation';

/** Per-call options accepted by every facade method. */
export interface RequestOptions {
  /** Cancels the request, or a stream already under way. */
  signal?: AbortSignal;
  /**
   * Milliseconds allowed per attempt until the headers, then the longest gap between body bytes;
   * for an upload on Node, the longest time with no byte sent or received.
   */
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
  /**
   * Whether a connection that fails after the whole request was sent is retried (default true).
   * The server may already have processed such a request, and billed it: a retried speech request
   * can be synthesized twice. false makes it fail with APIConnectionError instead; failures before
   * the request was sent, and retried statuses, are still retried.
   */
  retryAfterSent?: boolean;
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
  if (options.retryAfterSent !== undefined) {
    if (typeof options.retryAfterSent !== 'boolean')
      throw new TypeError(`Invalid retryAfterSent ${showValue(options.retryAfterSent)}: expected true or false.`);
    (config as InternalRequestConfig).togetherRetryAfterSent = options.retryAfterSent;
  }
  return config;
}
