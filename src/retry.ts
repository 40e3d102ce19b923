import type { AxiosError, AxiosInstance, AxiosRequestConfig } from 'axios';
import axiosRetry, { isNetworkError } from 'axios-retry';
import { internalOf, plainHeaders, requestWasSent, type ResponseHeaders } from './errors';
import { MultipartForm } from './multipart';
import { discardBody, isStreamBody } from './response-body';
import { requestIdOf } from './response-meta';
import type { RetryOptions } from './retry-settings';

const RETRIED_STATUSES = new Set([408, 409, 429]);

/**
 * Installs the retry policy on the client's private axios instance (before the error-mapping
 * interceptor, which must see only the final failure):
 * - retried: 408, 409, 429, every status >= 500, and connection failures (refused, reset, DNS
 *   hiccups); never a timeout, an abort, or any other status;
 * - a connection failure after the whole request was sent is retried too (the server may have
 *   processed it already), unless the call set `retryAfterSent: false`;
 * - a multipart upload is retried by encoding its form again (see MultipartForm); a body that is
 *   any other stream, or a form holding a caller's stream, is never retried, as it has been
 *   consumed. Streamed responses are never retried once they resolve: retries happen
 *   only before the response reaches the caller;
 * - wait: the server's `retry-after-ms`, `Retry-After` (seconds or HTTP date) or, after a 429,
 *   `x-ratelimit-reset` (seconds), read strictly (see serverSuggestedDelay); otherwise exponential
 *   backoff with jitter; never above `maxRetryDelay`.
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
  // An upload source that failed (a file that cannot be read, a stream destroyed) would fail again.
  if (body instanceof MultipartForm && body.failedSource) return false;
  if (!error.response) {
    if (internalOf(error.config).togetherRetryAfterSent === false && requestWasSent(error.request)) return false;
    return isNetworkError(error);
  }
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
 * The wait the server asked for, in ms: `retry-after-ms`, then `Retry-After`, then, after a 429,
 * Together's `x-ratelimit-reset` (seconds; a Unix time is accepted too). Each is read strictly: a
 * non-negative integer, or for `Retry-After` an HTTP-date in one of the three forms of RFC 9110.
 * Anything else (`0x10`, `1e3`, `1.5`, `x 5`, an empty value) is ignored, leaving normal backoff.
 */
export function serverSuggestedDelay(headers: ResponseHeaders, status: number | undefined, now = Date.now()): number | undefined {
  const milliseconds = integerOf(headers['retry-after-ms']);
  if (milliseconds !== undefined) return milliseconds;
  const retryAfter = headers['retry-after'];
  if (retryAfter !== undefined) {
    const seconds = integerOf(retryAfter);
    if (seconds !== undefined) return seconds * 1000;
    const date = httpDate(retryAfter, now);
    if (date !== undefined) return Math.max(0, date - now);
  }
  const reset = status === 429 ? integerOf(headers['x-ratelimit-reset']) : undefined;
  if (reset !== undefined) return reset > 1e9 ? Math.max(0, reset * 1000 - now) : reset * 1000;
  return undefined;
}

function integerOf(value: string | undefined): number | undefined {
  return value !== undefined && /^\d+$/.test(value) ? Number(value) : undefined;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const MONTH = `(${MONTHS.join('|')})`;
const TIME = '(\\d{2}):(\\d{2}):(\\d{2})';
const IMF_FIXDATE = new RegExp(`^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\\d{2}) ${MONTH} (\\d{4}) ${TIME} GMT$`);
const RFC850_DATE = new RegExp(`^(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), (\\d{2})-${MONTH}-(\\d{2}) ${TIME} GMT$`);
const ASCTIME_DATE = new RegExp(`^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) ${MONTH} ( \\d|\\d{2}) ${TIME} (\\d{4})$`);

/** An HTTP-date (RFC 9110, section 5.6.7) as a time in ms, or undefined when `value` is not one. */
function httpDate(value: string, now = Date.now()): number | undefined {
  let parts: [day: string, month: string, year: string, hour: string, minute: string, second: string] | undefined;
  let match = IMF_FIXDATE.exec(value);
  if (match) parts = [match[1], match[2], match[3], match[4], match[5], match[6]];
  else if ((match = RFC850_DATE.exec(value))) parts = [match[1], match[2], match[3], match[4], match[5], match[6]];
  else if ((match = ASCTIME_DATE.exec(value))) parts = [match[2], match[1], match[6], match[3], match[4], match[5]];
  if (!parts) return undefined;
  const [day, month, hour, minute, second] = [Number(parts[0]), MONTHS.indexOf(parts[1]), Number(parts[3]), Number(parts[4]), Number(parts[5])];
  let year = Number(parts[2]);
  if (parts[2].length === 2) {
    // RFC 9110: a two-digit year more than 50 years ahead is the most recent past year with those digits.
    const thisYear = new Date(now).getUTCFullYear();
    year += Math.floor(thisYear / 100) * 100;
    if (year > thisYear + 50) year -= 100;
  }
  if (hour > 23 || minute > 59 || second > 60) return undefined;
  const time = Date.UTC(year, month, day, hour, minute, second);
  // Date.UTC rolls 31 Feb over into March: such a date is not valid.
  return new Date(time).getUTCDate() === day ? time : undefined;
}

function retriesOf(config: AxiosRequestConfig, options: RetryOptions): number {
  return config['axios-retry']?.retries ?? options.maxRetries;
}
