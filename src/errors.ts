import { AxiosError, type AxiosResponse, type RawAxiosResponseHeaders, type AxiosResponseHeaders } from 'axios';
import type { ErrorDetail } from '../generated/models';

export type ResponseHeaders = Record<string, string>;

/** Base class of every error this package throws. */
export class TogetherAudioError extends Error {
  override name = 'TogetherAudioError';
}

/** The server answered with an error status. */
export class APIError extends TogetherAudioError {
  override name = 'APIError';
  readonly status: number;
  readonly headers: ResponseHeaders;
  readonly requestId: string | undefined;
  /** The `error` object of the ErrorData body, when the body was one. */
  readonly error: ErrorDetail | undefined;
  readonly type: string | undefined;
  readonly code: string | null | undefined;
  readonly param: string | null | undefined;

  constructor(status: number, headers: ResponseHeaders, error: ErrorDetail | undefined, fallbackMessage: string) {
    const requestId = headers['x-request-id'] ?? headers['cf-ray'];
    const message = error?.message ?? fallbackMessage;
    super(`${status} ${message}${requestId ? ` (request id ${requestId})` : ''}`);
    this.status = status;
    this.headers = headers;
    this.requestId = requestId;
    this.error = error;
    this.type = error?.type;
    this.code = error?.code;
    this.param = error?.param;
  }
}

export class BadRequestError extends APIError { override name = 'BadRequestError'; }
export class AuthenticationError extends APIError { override name = 'AuthenticationError'; }
export class PermissionDeniedError extends APIError { override name = 'PermissionDeniedError'; }
export class NotFoundError extends APIError { override name = 'NotFoundError'; }
export class UnprocessableEntityError extends APIError { override name = 'UnprocessableEntityError'; }
export class RateLimitError extends APIError { override name = 'RateLimitError'; }
export class InternalServerError extends APIError { override name = 'InternalServerError'; }

/** No response arrived: the connection failed or was reset. */
export class APIConnectionError extends TogetherAudioError { override name = 'APIConnectionError'; }

/** A server-sent event stream was malformed or ended without `data: [DONE]`. */
export class StreamError extends TogetherAudioError { override name = 'StreamError'; }

const errorClassByStatus: Record<number, typeof APIError> = {
  400: BadRequestError,
  401: AuthenticationError,
  403: PermissionDeniedError,
  404: NotFoundError,
  422: UnprocessableEntityError,
  429: RateLimitError,
};

export function apiErrorFor(status: number, headers: ResponseHeaders, body: unknown): APIError {
  const detail = errorDetailOf(body);
  const ErrorClass = errorClassByStatus[status] ?? (status >= 500 ? InternalServerError : APIError);
  return new ErrorClass(status, headers, detail, describeBody(status, body));
}

/** The one place an axios failure becomes a typed error. Never copies the request config. */
export function toTogetherError(error: unknown): unknown {
  if (error instanceof TogetherAudioError || !(error instanceof AxiosError)) return error;
  if (error.response) {
    return apiErrorFor(error.response.status, plainHeaders(error.response.headers), decodeBody(error.response));
  }
  return new APIConnectionError(`Connection error: ${error.code ?? error.message}`);
}

export function plainHeaders(headers: RawAxiosResponseHeaders | AxiosResponseHeaders | undefined): ResponseHeaders {
  const result: ResponseHeaders = {};
  for (const [key, value] of Object.entries(headers ?? {})) {
    if (value !== undefined && value !== null) result[key.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  return result;
}

function decodeBody(response: AxiosResponse): unknown {
  const data: unknown = response.data;
  const text = Buffer.isBuffer(data) ? data.toString('utf8') : data instanceof ArrayBuffer ? Buffer.from(data).toString('utf8') : data;
  if (typeof text !== 'string') return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function errorDetailOf(body: unknown): ErrorDetail | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const error = (body as { error?: unknown }).error;
  if (typeof error === 'object' && error !== null && typeof (error as ErrorDetail).message === 'string') {
    return error as ErrorDetail;
  }
  if (typeof error === 'string') return { message: error, type: 'unknown' };
  return undefined;
}

function describeBody(status: number, body: unknown): string {
  if (typeof body === 'string' && body.trim() !== '') {
    const text = body.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim();
    return `status ${status}: ${text.slice(0, 200)}`;
  }
  return `status ${status} with no error body`;
}
