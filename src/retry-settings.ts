// The retry settings of the client; the policy itself (retry.ts) is loaded with axios on the first request.

export const DEFAULT_MAX_RETRIES = 2;
/** First backoff wait; it doubles on each retry, minus up to 25% jitter. */
export const DEFAULT_INITIAL_RETRY_DELAY = 500;
/** Upper bound on any single wait, whatever a Retry-After header asks for. */
export const DEFAULT_MAX_RETRY_DELAY = 60_000;

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
