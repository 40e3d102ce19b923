import type { RawAxiosRequestConfig, ResponseType } from 'axios';
import type {} from 'axios-retry';
import type { ResponseMeta } from './response-meta';

declare module 'axios' {
  interface AxiosRequestConfig {
    /** RequestOptions.onResponse, called by the client's response interceptor. */
    onTogetherResponse?: (meta: ResponseMeta) => void;
    /** RequestOptions.retryAfterSent, read by the retry policy. */
    togetherRetryAfterSent?: boolean;
    /**
     * The responseType the caller asked for. The client itself always receives the body as a
     * stream, so that it can decode, check and bound it (see response-body.ts).
     */
    togetherResponseType?: ResponseType;
  }
}

/** Per-call options accepted by every facade method. */
export interface RequestOptions {
  /** Cancels the request, or a stream already under way. */
  signal?: AbortSignal;
  /**
   * Milliseconds allowed per attempt until the headers, then the longest gap between body bytes;
   * for an upload, the longest time with no byte sent or received.
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

/** The axios options for RequestOptions; invalid values throw a TypeError before any I/O. */
export function toAxiosConfig(options: RequestOptions = {}): RawAxiosRequestConfig {
  const config: RawAxiosRequestConfig = {};
  if (options.signal) config.signal = options.signal;
  const timeout = optionalCount(options, 'timeout', 1);
  if (timeout !== undefined) config.timeout = timeout;
  const maxRetries = optionalCount(options, 'maxRetries', 0);
  if (maxRetries !== undefined) config['axios-retry'] = { retries: maxRetries };
  if (options.headers) config.headers = { ...options.headers };
  if (options.onResponse !== undefined) {
    if (typeof options.onResponse !== 'function') throw new TypeError('Invalid onResponse: expected a function.');
    config.onTogetherResponse = options.onResponse;
  }
  if (options.retryAfterSent !== undefined) {
    if (typeof options.retryAfterSent !== 'boolean') throw new TypeError(`Invalid retryAfterSent ${JSON.stringify(options.retryAfterSent)}: expected true or false.`);
    config.togetherRetryAfterSent = options.retryAfterSent;
  }
  return config;
}

/** A number option that must be an integer >= `min` when given. */
export function optionalCount<K extends string>(options: Partial<Record<K, unknown>>, name: K, min: number): number | undefined {
  const value = options[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new TypeError(`Invalid ${name} ${JSON.stringify(value)}: expected an integer >= ${min}.`);
  }
  return value;
}
