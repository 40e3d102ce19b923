import {
  APIConnectionError,
  APIError,
  APIUserAbortError,
  AuthenticationError,
  MissingApiKeyError,
  PermissionDeniedError,
  RateLimitError,
  RealtimeError,
  RealtimeProtocolError,
  StreamError,
  UploadFileError,
} from './api';

/** The exit status of each class of failure (documented in docs/cli.md and `--help`). */
export const ExitCode = {
  ok: 0,
  /** Anything not in a class below (e.g. no audio player found). */
  failure: 1,
  /** Unknown command or option, a missing argument, flags that do not go together. */
  usage: 2,
  /** Input rejected before sending (missing file, empty text, audio that is not PCM) or by the API (400, 404, 413, 422). */
  badInput: 3,
  /** No key, an unreadable key file, or the API refused the key (401, 403). */
  auth: 4,
  /** The API's rate limit (429), after the retries. */
  rateLimit: 5,
  /** A server error (5xx) after the retries, or a malformed response or stream. */
  server: 6,
  /** The server could not be reached, the connection broke, or a timeout passed. */
  connection: 7,
  /** Interrupted (Ctrl-C). */
  interrupted: 130,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export const EXIT_CODE_HELP = `Exit codes:
  0  success
  1  other failure (e.g. no audio player for --play)
  2  usage: unknown command or option, missing argument
  3  bad input: rejected before sending, or by the API (400, 404, 413, 422)
  4  auth: no key, unreadable key file, or key refused (401, 403)
  5  rate limit (429) after retries
  6  server error (5xx) after retries, or a malformed response
  7  connection failed, broke off, or timed out
  130 interrupted`;

/** A command line that cannot be run as written. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Input the CLI itself rejects before any request (a file it cannot read, audio it cannot convert). */
export class BadInputError extends Error {
  override name = 'BadInputError';
}

/** Credentials the CLI cannot use (an unreadable or empty key file). */
export class KeyError extends Error {
  override name = 'KeyError';
}

/** A wait the CLI itself bounds (e.g. for the last realtime transcript) ran out. */
export class WaitTimeoutError extends Error {
  override name = 'WaitTimeoutError';
}

/** The user interrupted a command that has no request to abort (a realtime session). */
export class InterruptedError extends Error {
  override name = 'InterruptedError';
}

export function exitCodeFor(error: unknown): ExitCode {
  if (error instanceof UsageError || isParseArgsError(error)) return ExitCode.usage;
  if (error instanceof KeyError || error instanceof MissingApiKeyError) return ExitCode.auth;
  if (error instanceof AuthenticationError || error instanceof PermissionDeniedError) return ExitCode.auth;
  if (error instanceof RateLimitError) return ExitCode.rateLimit;
  if (error instanceof APIUserAbortError || error instanceof InterruptedError) return ExitCode.interrupted;
  if (error instanceof APIConnectionError || error instanceof WaitTimeoutError) return ExitCode.connection;
  if (error instanceof APIError) return error.status >= 500 ? ExitCode.server : ExitCode.badInput;
  if (error instanceof RealtimeError) return realtimeExitCode(error);
  if (error instanceof StreamError || error instanceof RealtimeProtocolError) return ExitCode.server;
  if (error instanceof BadInputError || error instanceof UploadFileError || error instanceof TypeError || isFileSystemError(error)) return ExitCode.badInput;
  return ExitCode.failure;
}

/** A realtime failure event: its `type` says whose fault it was. */
function realtimeExitCode(error: RealtimeError): ExitCode {
  // A missing code reads "null" or "undefined", which matches neither pattern.
  const kind = `${error.type} ${error.code}`;
  if (/auth|api_key/i.test(kind)) return ExitCode.auth;
  if (/rate_limit/i.test(kind)) return ExitCode.rateLimit;
  return error.type === 'invalid_request_error' ? ExitCode.badInput : ExitCode.server;
}

function isParseArgsError(error: unknown): boolean {
  return typeof (error as { code?: unknown })?.code === 'string' && (error as { code: string }).code.startsWith('ERR_PARSE_ARGS_');
}

/** A file the command was pointed at could not be opened, read or written (ENOENT, EACCES, EISDIR...). */
function isFileSystemError(error: unknown): boolean {
  return /^(open|read|write|stat|lstat|scandir|mkdir|rename|unlink)$/.test(String((error as { syscall?: unknown } | null | undefined)?.syscall));
}
