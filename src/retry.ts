import type { AxiosError, AxiosInstance, AxiosRequestConfig } from 'axios';
import axiosRetry, { isNetworkError } from 'axios-retry';
import { plainHeaders, type ResponseHeaders } from './errors';
import { MultipartForm } from './multipart';
import { discardBody, isStreamBody } from './response-body';
import { requestIdOf } from './response-meta';

export const DEFAULT_MAX_RETRIES = 2;
/** First backoff wait; it doubles on each retry, minus up to 25% jitter. */
export const DEFAULT_INITIAL_RETRY_DELAY = 500;
/** Upper bound on any single wait, whatever a Retry-After header asks for. */
export const DEFAULT_MAX_RETRY_DELAY = 60_000;

const RETRIED_STATUSES = new Set([408, 409, 429]);

/** Told before each retry: why, and how long the client waits first. */
export interface RetryEvent {
  /** 1 for the first retry. */
  attempt: number;
  maxRetries: number;
  delayMs: number;
  /** The status that caused the retry; undefined after a connection error. */
  status: number | undefined;
  /** The connection error code (ECONNRESET, ...) when there was no response. */
  code: string | undefined;
  requestId: string | undefined;
  method: string;
  url: string;
}

export interface RetryOptions {
  maxRetries: number;
  initialRetryDelay: number;
  maxRetryDelay: number;
  onRetry?: (event: RetryEvent) => void;
}

/**
 * Installs the retry policy on the client's private axios instance (before the error-mapping
 * interceptor, which must see only the final failure):
 * - retried: 408, 409, 429, every status >= 500, and connection failures (refused, reset, DNS
 *   hiccups); never a timeout, an abort, or any other status;
 * - a multipart upload is retried by encoding its form again (see MultipartForm); a body that is
 *   any other stream, or a form holding a caller's stream, is never retried, as it has been
 *   consumed. Streamed responses are never retried once they resolve: retries happen
 *   only before the response reaches the caller;
 * - wait: the server's `retry-after-ms`, `Retry-After` (seconds or HTTP date) or, after a 429,
 *   `x-ratelimit-reset` (seconds); otherwise exponential backoff with jitter; never above
 *   `maxRetryDelay`.
 * `RequestOptions.maxRetries` overrides `maxRetries` per call through the `axios-retry` config key.
 */
export function installRetries(instance: AxiosInstance, options: RetryOptions): void {
  const delays = new WeakMap<AxiosError, number>();
  axiosRetry(instance, {
    retries: options.maxRetries,
    shouldResetTimeout: true,
    retryCondition: (error) => isRetryableFailure(error),
    retryDelay: (attempt, error) => {
      const delay = retryDelayFor(attempt, error.response ? plainHeaders(error.response.headers) : {}, error.response?.status, options);
      delays.set(error, delay);
      return delay;
    },
    onRetry: (attempt, error, config) => {
      discardBody(error.response?.data);
      const headers = error.response ? plainHeaders(error.response.headers) : {};
      options.onRetry?.({
        attempt,
        maxRetries: retriesOf(config, options),
        delayMs: delays.get(error) ?? 0,
        status: error.response?.status,
        code: error.response ? undefined : error.code,
        requestId: requestIdOf(headers),
        method: (config.method ?? 'get').toUpperCase(),
        url: config.url ?? '',
      });
    },
  });
}

export function isRetryableFailure(error: AxiosError): boolean {
  const body: unknown = error.config?.data;
  if (body instanceof MultipartForm ? !body.replayable : isStreamBody(body)) return false;
  if (!error.response) return isNetworkError(error);
  const { status } = error.response;
  return RETRIED_STATUSES.has(status) || status >= 500;
}

/** Milliseconds to wait before retry number `attempt` (1-based). */
export function retryDelayFor(
  attempt: number,
  headers: ResponseHeaders,
  status: number | undefined,
  options: Pick<RetryOptions, 'initialRetryDelay' | 'maxRetryDelay'>,
): number {
  const suggested = serverSuggestedDelay(headers, status);
  const delay = suggested ?? options.initialRetryDelay * 2 ** (attempt - 1) * (1 - Math.random() * 0.25);
  return Math.max(0, Math.min(delay, options.maxRetryDelay));
}

/**
 * The wait the server asked for, in ms: `retry-after-ms`, then `Retry-After` (seconds or an HTTP
 * date), then, after a 429, Together's `x-ratelimit-reset` (seconds; a Unix time is accepted too).
 */
export function serverSuggestedDelay(headers: ResponseHeaders, status: number | undefined, now = Date.now()): number | undefined {
  const milliseconds = numberOf(headers['retry-after-ms']);
  if (milliseconds !== undefined) return milliseconds;
  const retryAfter = headers['retry-after'];
  if (retryAfter !== undefined) {
    const seconds = numberOf(retryAfter);
    if (seconds !== undefined) return seconds * 1000;
    const date = /[a-z]/i.test(retryAfter) ? Date.parse(retryAfter) : Number.NaN;
    if (!Number.isNaN(date)) return Math.max(0, date - now);
  }
  const reset = status === 429 ? numberOf(headers['x-ratelimit-reset']) : undefined;
  if (reset !== undefined) return reset > 1e9 ? Math.max(0, reset * 1000 - now) : reset * 1000;
  return undefined;
}

function numberOf(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const number = Number(value);
  return Number.isFinite(number) && number >= 0 ? number : undefined;
}

function retriesOf(config: AxiosRequestConfig, options: RetryOptions): number {
  return config['axios-retry']?.retries ?? options.maxRetries;
}
