import type { RawAxiosRequestConfig } from 'axios';

/** Per-call options accepted by every facade method. */
export interface RequestOptions {
  /** Cancels the request, or a stream already under way. */
  signal?: AbortSignal;
  /** Milliseconds allowed per attempt. */
  timeout?: number;
  /** Retries after the first attempt; 0 disables them for this call. */
  maxRetries?: number;
  /** Extra headers for this call. */
  headers?: Record<string, string>;
}

export function toAxiosConfig(options: RequestOptions = {}): RawAxiosRequestConfig {
  const config: RawAxiosRequestConfig = {};
  if (options.signal) config.signal = options.signal;
  if (options.timeout !== undefined) config.timeout = options.timeout;
  if (options.headers) config.headers = { ...options.headers };
  return config;
}
