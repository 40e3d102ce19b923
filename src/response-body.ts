import type { AxiosResponse, InternalAxiosRequestConfig } from 'axios';
import { byteReader, concatBytes, isAsyncIterable, isNodeReadable, isWebReadableStream, type ByteSource } from './bytes';
import {
  APIConnectionError,
  APITimeoutError,
  TogetherAudioError,
  internalOf,
  isAxiosError,
  toTogetherError,
  unexpectedResponse,
  userAbortError,
  type Redact,
} from './errors';
import { MultipartForm } from './multipart';
import type { Platform } from './platform';
import { UploadSourceError } from './uploads';

/** How much of an error body is read to build the error message; the rest is dropped. */
export const MAX_ERROR_BODY_BYTES = 64 * 1024;
/** The largest JSON body read (a verbose transcription of hours of audio is a few MB). */
export const MAX_JSON_BODY_BYTES = 32 * 1024 * 1024;
/** The largest other body held in memory, e.g. by `speech.create`; a streamed body (`asResponse()`, `toFile`) has no limit. */
export const MAX_BUFFERED_BODY_BYTES = 256 * 1024 * 1024;
/** How long reading a streamed error body may take before the part read so far is used. */
const ERROR_BODY_READ_MS = 10_000;

/**
 * Reads an error body that arrives as a stream (a web ReadableStream, a Node Readable such as an
 * IncomingMessage) into bytes: at most MAX_ERROR_BODY_BYTES, within a time bound, then releases the
 * stream so its connection is freed. Never rejects: a body that breaks off yields what arrived.
 * Used for HTTP responses and for refused websocket upgrades alike.
 */
export async function readErrorBody(body: ByteSource, timeoutMs = ERROR_BODY_READ_MS, sink: Uint8Array[] = []): Promise<Uint8Array> {
  const reader = byteReader(body);
  // `sink` lets a caller use what arrived so far should it give up first (a refused websocket's timeout).
  const chunks = sink;
  let size = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), timeoutMs);
  });
  try {
    while (size < MAX_ERROR_BODY_BYTES) {
      const chunk = await Promise.race([reader.read(), deadline]);
      if (chunk === undefined) break;
      chunks.push(chunk);
      size += chunk.length;
    }
  } catch {
    // A body cut short still tells the status; use what arrived.
  } finally {
    clearTimeout(timer);
    void reader.cancel();
  }
  return concatBytes(chunks).subarray(0, MAX_ERROR_BODY_BYTES);
}

/**
 * Wraps the body of a successful `responseType: 'stream'` response (a Node Readable from axios's
 * http adapter, a ReadableStream from its fetch adapter) as one web ReadableStream:
 * - errors (a reset mid-body, an abort) reach the reader as typed errors, never as AxiosErrors,
 *   which would carry the request config and its Authorization header;
 * - axios's `timeout` stops counting once headers arrive, so a body that sends nothing for
 *   `idleTimeoutMs` while the reader waits fails with APITimeoutError (time the reader spends not
 *   reading does not count: the stream pulls only when asked);
 * - cancelling it (e.g. breaking out of `for await`) releases the connection.
 */
export function guardStreamedBody(source: ByteSource, idleTimeoutMs: number | undefined, signal?: AbortSignal, redact?: Redact): ReadableStream<Uint8Array> {
  const reader = byteReader(source);
  let settled = false;
  let fail: (error: Error) => void = () => undefined;
  const onAbort = () => fail(userAbortError(signal));
  const stopWatching = () => {
    settled = true;
    signal?.removeEventListener('abort', onAbort);
  };
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        fail = (error) => {
          if (settled) return;
          stopWatching();
          controller.error(error);
          void reader.cancel(error);
        };
        if (signal?.aborted) onAbort();
        else signal?.addEventListener('abort', onAbort, { once: true });
      },
      pull(controller) {
        return new Promise<void>((resolve) => {
          const timer = idleTimeoutMs
            ? setTimeout(() => {
                fail(new APITimeoutError(`The response body sent nothing for ${idleTimeoutMs} ms.`));
                resolve();
              }, idleTimeoutMs)
            : undefined;
          // Unref'd where the runtime can: a body nobody reads any more must not keep the process alive by itself.
          (timer as { unref?: () => void } | undefined)?.unref?.();
          reader.read().then(
            (chunk) => {
              clearTimeout(timer);
              if (settled) return resolve();
              if (chunk === undefined) {
                stopWatching();
                controller.close();
              } else {
                controller.enqueue(chunk);
              }
              resolve();
            },
            (error: unknown) => {
              clearTimeout(timer);
              fail(signal?.aborted ? userAbortError(signal) : bodyError(error, redact));
              resolve();
            },
          );
        });
      },
      cancel(reason) {
        stopWatching();
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}

function bodyError(error: unknown, redact?: Redact): Error {
  const typed = toTogetherError(error, redact);
  if (typed instanceof TogetherAudioError) return typed;
  // Read by shape, not instanceof: the socket's error may come from another realm (a vm context, a test runner).
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  // A browser's message is a sentence of its own ("The network connection was lost."): one full stop.
  const detail = typeof message === 'string' && message ? `: ${(redact ? redact(message) : message).replace(/\.$/, '')}` : '';
  return new APIConnectionError(`The connection broke off before the response body ended${detail}.`, {
    code: typeof code === 'string' ? code : undefined,
    cause: error,
  });
}

/** Whether a response body is still a stream (not yet read). */
export function isStreamBody(data: unknown): data is ByteSource {
  return isWebReadableStream(data) || isNodeReadable(data) || isAsyncIterable(data);
}

/** Releases a body nobody will read (a failed attempt about to be retried), so its connection is freed. */
export function discardBody(data: unknown): void {
  if (isWebReadableStream(data)) void data.cancel().catch(() => undefined);
  else if (isNodeReadable(data)) data.destroy?.();
}

/**
 * Maps a failed axios request to a typed error, first reading (a bounded prefix of) the error body
 * so that its message can be shown.
 */
export async function toTogetherErrorReadingBody(error: unknown, platform: Platform, redact?: Redact): Promise<unknown> {
  if (!isAxiosError(error)) return toTogetherError(error, redact);
  const form: unknown = error.config?.data;
  if (form instanceof MultipartForm) {
    // A source of the upload that failed (a file that cannot be read, a stream that errored or was
    // destroyed) is the cause, whatever the request then failed with.
    const failed = form.failedSource;
    // An upload that failed for good: close the files its form opened.
    form.dispose();
    if (failed) return UploadSourceError.of(failed);
  }
  const response = error.response;
  if (response && isStreamBody(response.data)) {
    // An encoding this client does not decode: the raw prefix still says more than nothing.
    response.data = await readErrorBody(decodedBody(response, platform, redact) ?? response.data);
  }
  const typed = toTogetherError(error, redact);
  const timeout = error.config?.timeout;
  if (typed instanceof APITimeoutError && !response && timeout && (form instanceof MultipartForm || isStreamBody(form))) {
    return new APITimeoutError(`The upload timed out: nothing was sent or received for ${timeout} ms.`, { code: typed.code });
  }
  return typed;
}

/**
 * Request settings for the response pipeline below. The body always arrives as a stream, whatever
 * responseType the caller asked for (kept in `togetherResponseType`), so that one place can decode
 * it strictly, check it against the request, bound it in bytes, and only then buffer or parse it.
 *
 * Audio is asked for uncompressed (Accept-Encoding: identity): encoded audio barely compresses, and
 * axios inflates with a sync flush, which turns a truncated gzip, br or deflate body into short
 * audio without an error. axios's own decompression is therefore off for every request, and a
 * body that arrives compressed anyway (JSON, events, or audio from a server that ignores the
 * header) is decoded by `decodedBody`, which fails on a truncated or corrupt stream. Where nothing
 * would decode them (`decodesCompressed` false), compressed bodies are not asked for. (A fetch
 * runtime decodes bodies itself, and browsers choose Accept-Encoding themselves.)
 */
export function prepareResponse(config: InternalAxiosRequestConfig, decodesCompressed: boolean): InternalAxiosRequestConfig {
  const internal = internalOf(config);
  if (internal.togetherResponseType === undefined) {
    internal.togetherResponseType = config.responseType ?? 'json';
    config.responseType = 'stream';
    config.decompress = false;
  }
  if (!config.headers.has('Accept-Encoding'))
    config.headers.set('Accept-Encoding', expectedBody(config) === 'audio' || !decodesCompressed ? 'identity' : 'gzip, deflate, br');
  return config;
}

type BodyKind = 'json' | 'event-stream' | 'audio' | 'document';

/** What a media type holds: JSON, server-sent events, a document (text, HTML, XML), or bytes such as audio. */
function kindOf(mediaType: string): BodyKind {
  const type = mediaType.split(';')[0].trim().toLowerCase();
  if (type === 'text/event-stream') return 'event-stream';
  if (type === 'application/json' || type.endsWith('+json')) return 'json';
  if (type.startsWith('text/') || type.endsWith('/xml') || type.endsWith('+xml')) return 'document';
  return 'audio';
}

/**
 * The kind of body a request asked for: JSON when it wants parsed data, otherwise what its Accept
 * header names (events when that is all it names, audio when it names any; the wildcard of all types names none). Undefined: no check.
 */
function expectedBody(config: InternalAxiosRequestConfig): BodyKind | undefined {
  const wanted = internalOf(config).togetherResponseType ?? config.responseType;
  if (wanted === undefined || wanted === 'json') return 'json';
  const accept = String(config.headers.get('Accept') ?? '');
  // `*/*` (axios's default Accept ends with it) names every kind, so none in particular.
  const kinds = new Set(
    accept
      .split(',')
      .map((range) => range.split(';')[0].trim())
      .filter((type) => type !== '' && type !== '*/*')
      .map(kindOf),
  );
  if (kinds.size === 1 && kinds.has('event-stream')) return 'event-stream';
  return kinds.has('audio') ? 'audio' : undefined;
}

/** Why a successful response's content type contradicts what was asked for, if it does. */
function contradiction(expected: BodyKind | undefined, contentType: string): string | undefined {
  const got = contentType || 'no content type';
  if (expected === 'event-stream' && kindOf(contentType) !== 'event-stream') return `expected text/event-stream but got ${got}`;
  if (expected === 'audio' && contentType && kindOf(contentType) !== 'audio') return `expected audio but got ${got}`;
  return undefined;
}

const settled = new WeakSet<object>();

/** Whether a response with this status has no body by definition (a web Response refuses one). */
export function hasNullBody(status: number): boolean {
  return status === 204 || status === 205;
}

const emptyStream = () => new ReadableStream<Uint8Array>({ start: (controller) => controller.close() });

/**
 * The response pipeline for a successful status, once per response (a retried request passes the
 * interceptors again with the same response): decode the body, guard it (typed errors, idle
 * timeout), refuse a body that contradicts the request, then hand it over as the caller asked: as
 * a web ReadableStream, or read (bounded) into a Uint8Array, a string, or parsed JSON that must be
 * an object or an array.
 */
export async function settleResponse<T extends AxiosResponse>(response: T, platform: Platform, redact?: Redact): Promise<T> {
  const { config } = response;
  const wanted = internalOf(config).togetherResponseType;
  // fetch gives no body at all (null) for a 204, a 205 or a HEAD response: read, it is an empty one, as on Node.
  if (response.data === null && wanted !== undefined) response.data = emptyStream();
  if (wanted === undefined || !isStreamBody(response.data) || settled.has(response)) return response;
  settled.add(response);
  stopSocketTimeout(response.request);
  const decoded = decodedBody(response, platform, redact);
  if (!decoded) {
    discardBody(response.data);
    throw unexpectedResponse(
      response,
      `the body has Content-Encoding ${JSON.stringify(encodingOf(response))}, which this client does not decode`,
      undefined,
      redact,
    );
  }
  const body = guardStreamedBody(decoded, config.timeout, config.signal as AbortSignal | undefined, redact);
  const contentType = String(response.headers['content-type'] ?? '');
  const expected = expectedBody(config);
  const problem = contradiction(expected, contentType);
  if (problem) throw unexpectedResponse(response, problem, await readErrorBody(body), redact);
  if (hasNullBody(response.status) || config.method?.toUpperCase() === 'HEAD') {
    // Read to its end before it is released: a body cancelled unread takes its socket with it, which
    // a keep-alive connection would outlive. Anything a server sends anyway is dropped.
    const reader = byteReader(body);
    await reader.read();
    await reader.cancel();
    response.data = wanted === 'stream' ? emptyStream() : wanted === 'arraybuffer' ? new Uint8Array(0) : '';
    return response;
  }
  if (wanted === 'stream') {
    response.data = body;
    return response;
  }
  const limit = expected === 'json' ? MAX_JSON_BODY_BYTES : MAX_BUFFERED_BODY_BYTES;
  const bytes = await readUpTo(body, limit, response);
  if (bytes === undefined) {
    const advice = expected === 'audio' ? '; read audio this long from .asResponse() (or speech.toFile() on Node)' : '';
    throw unexpectedResponse(
      response,
      `the body is larger than ${limit / 1024 / 1024} MiB, the most this client holds in memory for it${advice}`,
      undefined,
      redact,
    );
  }
  response.data = wanted === 'json' ? parseJson(response, bytes, redact) : wanted === 'text' ? new TextDecoder().decode(bytes) : bytes;
  return response;
}

function parseJson(response: AxiosResponse, bytes: Uint8Array, redact?: Redact): unknown {
  const text = new TextDecoder().decode(bytes).replace(/^\uFEFF/, '');
  const type = String(response.headers['content-type'] ?? '') || 'no content type';
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    const what = text.trim() === '' ? 'the body is empty' : 'the body is not valid JSON';
    throw unexpectedResponse(response, `${what} (${type})`, bytes, redact);
  }
  if (typeof parsed !== 'object' || parsed === null) throw unexpectedResponse(response, `the body is JSON but not an object (${type})`, bytes, redact);
  return parsed;
}

/** The whole body, or undefined (and the body released) once it passes `maxBytes`. */
async function readUpTo(body: ReadableStream<Uint8Array>, maxBytes: number, response: AxiosResponse): Promise<Uint8Array | undefined> {
  // NaN when no length is declared, which compares false.
  const declared = Number(response.headers['content-length']);
  if (declared > maxBytes) {
    await body.cancel();
    return undefined;
  }
  const reader = byteReader(body);
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (let chunk = await reader.read(); chunk !== undefined; chunk = await reader.read()) {
    size += chunk.length;
    chunks.push(chunk);
    if (size > maxBytes) {
      await reader.cancel();
      return undefined;
    }
  }
  return concatBytes(chunks);
}

/**
 * The response body with its Content-Encoding removed (by the platform: zlib on Node), or undefined
 * for an encoding this client does not decode. A fetch runtime hands the body over decoded already.
 * A decoding failure is an UnexpectedResponseError; a failure of the connection underneath passes
 * through as it is.
 */
function decodedBody(response: AxiosResponse, platform: Platform, redact?: Redact): ByteSource | undefined {
  const raw = response.data as ByteSource;
  const encoding = encodingOf(response);
  if (encoding === '' || encoding === 'identity' || isWebReadableStream(raw)) return raw;
  return platform.decodeBody?.(raw, encoding, (problem) => unexpectedResponse(response, problem, undefined, redact));
}

function encodingOf(response: AxiosResponse): string {
  return String(response.headers['content-encoding'] ?? '')
    .trim()
    .toLowerCase();
}

/**
 * On Node, axios sends most requests through follow-redirects, which enforces `timeout` by
 * destroying the socket after that long without traffic, and leaves that in place while the body
 * streams: a reader that pauses longer than the timeout would lose the connection. The body's own
 * idle timer (guardStreamedBody) replaces it. Elsewhere there is no such socket and nothing to do.
 */
function stopSocketTimeout(request: unknown): void {
  const socket = (
    request as { socket?: { removeListener?: (event: string, listener: unknown) => void; destroy?: unknown; setTimeout?: (ms: number) => void } } | undefined
  )?.socket;
  if (!socket?.setTimeout) return;
  socket.removeListener?.('timeout', socket.destroy);
  socket.setTimeout(0);
}
