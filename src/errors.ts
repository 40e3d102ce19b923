import type { AxiosError, AxiosResponse, ResponseType } from 'axios';
import type { ErrorDetail } from '../generated/models';
import { limitsOf, plainHeaders, requestIdOf, type RateLimitInfo } from './response-meta';
import { isNodeReadable, isWebReadableStream } from './bytes';

export { plainHeaders };

export type ResponseHeaders = Record<string, string>;

/**
 * Base class of every error this package throws. Errors never hold the request (axios keeps the
 * Authorization header in it), so printing, logging or serialising one cannot leak the API key.
 */
export class TogetherAudioError extends Error {
  override name = 'TogetherAudioError';

  /** A plain summary that is safe to log or send anywhere. */
  toJSON(): Record<string, unknown> {
    const json: Record<string, unknown> = { name: this.name, message: this.message };
    for (const [key, value] of Object.entries(this)) {
      if (key !== 'cause' && key !== 'headers' && value !== undefined) json[key] = value;
    }
    return json;
  }
}

/** What an APIError is built from: the response, already read and decoded. */
export interface APIErrorInit {
  status: number;
  headers: ResponseHeaders;
  /** The `error` object of an ErrorData body, when the body was one. */
  error?: ErrorDetail;
  /** Describes a body that was not ErrorData (HTML, plain text, nothing). */
  fallbackMessage: string;
  /** Requests sent in all, counting retries. */
  attempts?: number;
  /** What was wrong with a response whose status was a success (see UnexpectedResponseError). */
  problem?: string;
}

/** The server answered with an error status. */
export class APIError extends TogetherAudioError {
  override name = 'APIError';
  readonly status: number;
  /** Response headers, lower-cased. */
  readonly headers: ResponseHeaders;
  /** `x-request-id`, else `cf-ray`: quote it when reporting a problem to Together. */
  readonly requestId: string | undefined;
  /** The `error` object of the ErrorData body, when the body was one. */
  readonly error: ErrorDetail | undefined;
  readonly type: string | undefined;
  readonly code: string | null | undefined;
  readonly param: string | null | undefined;
  /** Requests sent in all, counting retries. */
  readonly attempts: number;
  /** `x-ratelimit-*` headers as numbers (limit, remaining, reset, ...). */
  readonly rateLimit: RateLimitInfo;
  /** `x-tokenlimit-*` headers as numbers. */
  readonly tokenLimit: RateLimitInfo;

  constructor(init: APIErrorInit) {
    const requestId = requestIdOf(init.headers);
    const attempts = init.attempts ?? 1;
    const detail = init.error?.message ?? init.fallbackMessage;
    const explained = new.target.explain(detail, attempts);
    const text = init.problem ? `${init.problem}${detail ? `: ${explained}` : ''}` : explained;
    super(`${init.status} ${text}${requestId ? ` (request id ${requestId})` : ''}`);
    this.status = init.status;
    this.headers = init.headers;
    this.requestId = requestId;
    this.error = init.error;
    this.type = init.error?.type;
    this.code = init.error?.code;
    this.param = init.error?.param;
    this.attempts = attempts;
    this.rateLimit = limitsOf(init.headers, 'x-ratelimit-');
    this.tokenLimit = limitsOf(init.headers, 'x-tokenlimit-');
  }

  /** Turns the server's message into this error's message; subclasses say what the status means. */
  protected static explain(detail: string, _attempts: number): string {
    return detail;
  }
}

export class BadRequestError extends APIError {
  override name = 'BadRequestError';
}
export class AuthenticationError extends APIError {
  override name = 'AuthenticationError';
}
export class PermissionDeniedError extends APIError {
  override name = 'PermissionDeniedError';
}
export class NotFoundError extends APIError {
  override name = 'NotFoundError';
}
export class ConflictError extends APIError {
  override name = 'ConflictError';
}
export class UnprocessableEntityError extends APIError {
  override name = 'UnprocessableEntityError';
}

/** 429. `rateLimit.reset` is Together's suggested wait in seconds. */
export class RateLimitError extends APIError {
  override name = 'RateLimitError';
  protected static override explain(detail: string, attempts: number): string {
    return `Rate limited${givenUp(attempts)}: ${detail}`;
  }
}

/** 413: the upload (or request body) is larger than the API accepts. */
export class PayloadTooLargeError extends APIError {
  override name = 'PayloadTooLargeError';
  protected static override explain(detail: string): string {
    return `The request body is larger than the API's upload size limit: ${detail}`;
  }
}

/** Error code `audio_too_long`: the audio is longer than the model or endpoint accepts. */
export class AudioTooLongError extends APIError {
  override name = 'AudioTooLongError';
  protected static override explain(detail: string): string {
    return `The audio is longer than the API's audio-length limit: ${detail}`;
  }
}

/** Any status >= 500. */
export class InternalServerError extends APIError {
  override name = 'InternalServerError';
  protected static override explain(detail: string, attempts: number): string {
    return `Server error${givenUp(attempts)}: ${detail}`;
  }
}

/** 503: the platform had no capacity for the request (also an InternalServerError). */
export class ServiceUnavailableError extends InternalServerError {
  override name = 'ServiceUnavailableError';
  protected static override explain(detail: string, attempts: number): string {
    return `Service unavailable: the platform was at capacity${givenUp(attempts)}; try again later: ${detail}`;
  }
}

/**
 * The status was a success, but the body is not what the request asked for: JSON that does not
 * parse, a content type that contradicts the request (an error object or a web page where audio or
 * an event stream was asked for), a compressed body that is truncated or corrupt, or a body larger
 * than the client buffers. `error` holds the server's message when the body carried one.
 */
export class UnexpectedResponseError extends APIError {
  override name = 'UnexpectedResponseError';
  /** The request, as `METHOD /path`, e.g. `POST /audio/speech`. */
  readonly operation: string;
  /** The response's Content-Type, if it had one. */
  readonly contentType: string | undefined;

  constructor(init: APIErrorInit & { operation: string; problem: string }) {
    super({ ...init, problem: `${init.operation}: ${init.problem}` });
    this.operation = init.operation;
    this.contentType = init.headers['content-type'];
  }
}

/** No response arrived: the connection failed or was reset. */
export class APIConnectionError extends TogetherAudioError {
  override name = 'APIConnectionError';
  /** The system error code, e.g. ECONNRESET or ECONNREFUSED, when there was one. */
  readonly code: string | undefined;
  constructor(message: string, options?: ErrorOptions & { code?: string }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = options?.code;
  }
}

/** No response (or, for a streamed body, no further bytes) within the timeout. */
export class APITimeoutError extends APIConnectionError {
  override name = 'APITimeoutError';
}

/** The caller's AbortSignal cancelled the request; `cause` is the signal's reason. */
export class APIUserAbortError extends TogetherAudioError {
  override name = 'APIUserAbortError';
}

/** A server-sent event stream was malformed or ended without `data: [DONE]`. */
export class StreamError extends TogetherAudioError {
  override name = 'StreamError';
}

function givenUp(attempts: number): string {
  return attempts > 1 ? ` (gave up after ${attempts} attempts)` : '';
}

const errorClassByStatus: Record<number, typeof APIError> = {
  400: BadRequestError,
  401: AuthenticationError,
  403: PermissionDeniedError,
  404: NotFoundError,
  409: ConflictError,
  413: PayloadTooLargeError,
  422: UnprocessableEntityError,
  429: RateLimitError,
  503: ServiceUnavailableError,
};

const AUDIO_TOO_LONG = 'audio_too_long';

/** The typed error for an error response whose body has been read (`body`: parsed JSON or text). */
export function apiErrorFor(status: number, headers: ResponseHeaders, body: unknown, attempts = 1): APIError {
  const error = errorDetailOf(body);
  const ErrorClass =
    error?.code === AUDIO_TOO_LONG || error?.type === AUDIO_TOO_LONG
      ? AudioTooLongError
      : (errorClassByStatus[status] ?? (status >= 500 ? InternalServerError : APIError));
  return new ErrorClass({ status, headers, error, fallbackMessage: describeBody(status, body), attempts });
}

/**
 * The error for a successful status whose body is wrong (see UnexpectedResponseError). `body` is what
 * was read of it (bytes, text or parsed JSON), for the server's message or a preview.
 */
export function unexpectedResponse(response: AxiosResponse, problem: string, body: unknown, redact: Redact = (text) => text): UnexpectedResponseError {
  const decoded = decodeBody({ ...response, data: body }, redact);
  const error = errorDetailOf(decoded);
  return new UnexpectedResponseError({
    status: response.status,
    headers: plainHeaders(response.headers, redact),
    error,
    fallbackMessage: error ? '' : previewOf(decoded),
    attempts: attemptsOf(response.config),
    operation: operationOf(response.config),
    problem,
  });
}

/** `METHOD /path` of a request, the path relative to the API root (`/v1`) when it is under one. */
function operationOf(config: AxiosResponse['config'] | undefined): string {
  const method = (config?.method ?? 'get').toUpperCase();
  let path = config?.url ?? '';
  try {
    path = new URL(path, 'http://base.invalid').pathname;
  } catch {
    // keep the URL as given
  }
  return `${method} ${path.replace(/^\/v\d+(?=\/)/, '')}`;
}

function attemptsOf(config: AxiosResponse['config'] | undefined): number {
  const retryState = config?.['axios-retry'] as { retryCount?: number } | undefined;
  return (retryState?.retryCount ?? 0) + 1;
}

/**
 * Whether the whole request had been handed to the socket when an attempt failed: the server may
 * then have read and processed it. follow-redirects wraps Node's ClientRequest. Where there is no
 * such request object (the fetch adapter), nothing tells, and the answer is no.
 */
export function requestWasSent(request: unknown): boolean {
  const native = (request as { _currentRequest?: unknown } | undefined)?._currentRequest ?? request;
  return (native as { writableFinished?: unknown } | undefined)?.writableFinished === true;
}

/** Per-call settings the client's axios instance carries in a request's config (never set by users). */
export interface InternalRequestConfig {
  /** RequestOptions.retryAfterSent, read by the retry policy. */
  togetherRetryAfterSent?: boolean;
  /**
   * The responseType the caller asked for. The client itself always receives the body as a
   * stream, so that it can decode, check and bound it (see response-body.ts).
   */
  togetherResponseType?: ResponseType;
}

/** The internal settings of a request's config. */
export function internalOf(config: object | undefined): InternalRequestConfig {
  return (config ?? {}) as InternalRequestConfig;
}

/**
 * The typed error for an error response whose body arrived as bytes: the one mapping shared by
 * HTTP responses and refused websocket upgrades.
 */
export function apiErrorFromBody(status: number, headers: object | null | undefined, body: Uint8Array, redact?: Redact, attempts = 1): APIError {
  return apiErrorFor(status, plainHeaders(headers, redact), parseErrorBody(body, redact), attempts);
}

/** Hides a secret (the API key) in text that came back from the server. */
export type Redact = (text: string) => string;

/** Hides the API key in anything the server echoes back (an error body quoting the Authorization header). */
export function redactor(secret: string): Redact {
  return (text) => (secret.length >= 8 ? text.split(secret).join('[redacted]') : text);
}

/**
 * The one place an axios failure becomes a typed error. Never copies the request config, so no
 * AxiosError (whose config holds the Authorization header) leaves the package. A streamed error
 * body must have been read already (see `readErrorBody` in client.ts); one that was not is described
 * as unread.
 */
export function toTogetherError(error: unknown, redact: Redact = (text) => text): unknown {
  if (error instanceof TogetherAudioError || !isAxiosError(error)) return error;
  const attempts = attemptsOf(error.config);
  if (error.response && error.response.status < 300) return bodyBrokeOff(error, redact);
  if (error.response) {
    const headers = plainHeaders(error.response.headers, redact);
    return apiErrorFor(error.response.status, headers, decodeBody(error.response, redact), attempts);
  }
  if (error.code === 'ERR_CANCELED') return userAbortError(error.config?.signal as AbortSignal | undefined);
  // axios's own timeout is ECONNABORTED with its default message or the caller's timeoutErrorMessage; the
  // same code also means a socket aborted locally, or (xhr adapter) a request aborted by the browser.
  const timeoutMessage = /timeout/i.test(error.message) || error.message === error.config?.timeoutErrorMessage;
  if (error.code === 'ETIMEDOUT' || (error.code === 'ECONNABORTED' && timeoutMessage)) {
    const timeout = error.config?.timeout;
    return new APITimeoutError(`The request timed out${timeout ? ` after ${timeout} ms without a response` : ''}.`, { code: error.code });
  }
  const systemCode = (error.cause as { code?: string } | undefined)?.code ?? error.code;
  const unretried =
    internalOf(error.config).togetherRetryAfterSent === false && requestWasSent(error.request)
      ? '; not retried, as the whole request had been sent and the call set retryAfterSent: false'
      : '';
  return new APIConnectionError(
    `Connection error: ${redact(error.message)}${systemCode && !error.message.includes(systemCode) ? ` (${systemCode})` : ''}${unretried}`,
    { code: systemCode },
  );
}

/** axios's own test (`axios.isAxiosError`), made without loading axios: the client loads it on its first request. */
export function isAxiosError(error: unknown): error is AxiosError {
  return typeof error === 'object' && error !== null && (error as { isAxiosError?: unknown }).isAxiosError === true;
}

/** What an aborted signal ends a request or a stream with. */
export function userAbortError(signal: AbortSignal | undefined): APIUserAbortError {
  const reason: unknown = signal?.reason;
  return new APIUserAbortError('The request was aborted by its AbortSignal.', reason === undefined ? undefined : { cause: reason });
}

/** axios failed a successful response while reading its body: the connection dropped, or went silent. */
function bodyBrokeOff(error: AxiosError, redact: Redact): APIConnectionError {
  const timeout = error.config?.timeout;
  const silence = timeout ? `, or sent nothing for ${timeout} ms (the timeout)` : '';
  return new APIConnectionError(`The response body broke off before it was complete (${redact(error.message)}): the connection was closed${silence}.`, {
    code: error.code,
  });
}

function decodeBody(response: AxiosResponse, redact: Redact): unknown {
  const data: unknown = response.data;
  if (isNodeReadable(data) || isWebReadableStream(data)) return undefined;
  return parseErrorBody(data, redact);
}

const decoder = new TextDecoder();

/** An error body as JSON when it parses, else as text; bytes are read as UTF-8. The key is redacted from it. */
export function parseErrorBody(data: unknown, redact: Redact = (text) => text): unknown {
  const text = data instanceof Uint8Array || data instanceof ArrayBuffer ? decoder.decode(data) : data;
  if (typeof text !== 'string') return text === undefined || text === null ? undefined : JSON.parse(redact(JSON.stringify(text)));
  const safe = redact(text);
  try {
    return JSON.parse(safe);
  } catch {
    return safe;
  }
}

/** The ErrorDetail in an error body or event: `{ error: {...} }`, `{ error: '...' }`, `{ message }` or a problem document. */
export function errorDetailOf(body: unknown): ErrorDetail | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const error = (body as { error?: unknown }).error;
  if (typeof error === 'object' && error !== null && typeof (error as ErrorDetail).message === 'string') {
    return error as ErrorDetail;
  }
  if (typeof error === 'string') return { message: error, type: 'unknown' };
  const message = (body as { message?: unknown }).message;
  if (typeof message === 'string') return { message, type: 'unknown' };
  return problemDetailOf(body as Record<string, unknown>);
}

/** An RFC 9457 problem document (application/problem+json), as some proxies and gateways send. */
function problemDetailOf(body: Record<string, unknown>): ErrorDetail | undefined {
  const { title, detail, type } = body;
  if (typeof title !== 'string' && typeof detail !== 'string') return undefined;
  const message = [title, detail].filter((part): part is string => typeof part === 'string' && part !== '').join(': ');
  return { message, type: typeof type === 'string' ? type : 'unknown' };
}

function describeBody(status: number, body: unknown): string {
  if (typeof body === 'string' && body.trim() !== '') {
    const text = previewOf(body);
    if (text !== '') return `status ${status} with a non-JSON body: ${text}`;
  }
  // JSON that is not ErrorData: an object, an array, or a bare number or boolean.
  if (body !== undefined && body !== null && typeof body !== 'string') {
    return `status ${status} with an unexpected body: ${previewOf(body)}`;
  }
  return `status ${status} with an empty body`;
}

/** At most 200 characters of a body, HTML reduced to its text. */
function previewOf(body: unknown): string {
  if (typeof body === 'string') {
    const text = body
      .replace(/<(script|style)\b[\s\S]*?<\/\1>/gi, ' ')
      .replace(/<[^>]*>/g, ' ')
      .replace(/\s+/g, ' ')
      .trim();
    return text.length > 200 ? `${text.slice(0, 200)}…` : text;
  }
  if (body === undefined || body === null) return '';
  return JSON.stringify(body).slice(0, 200);
}
