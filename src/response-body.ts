import { AxiosError, type AxiosResponse, type InternalAxiosRequestConfig } from 'axios';
import type { ClientRequest } from 'node:http';
import { PassThrough, type Readable } from 'node:stream';
import zlib from 'node:zlib';
import { APIConnectionError, APITimeoutError, TogetherAudioError, toTogetherError, unexpectedResponse, type Redact } from './errors';
import { isReadable } from './multipart';
import { ReplayableFormData } from './replayable-form';
import { UploadSourceError } from './uploads';

/** How much of an error body is read to build the error message; the rest is dropped. */
export const MAX_ERROR_BODY_BYTES = 64 * 1024;
/** The largest JSON body read (a verbose transcription of hours of audio is a few MB). */
export const MAX_JSON_BODY_BYTES = 32 * 1024 * 1024;
/** The largest other body held in memory, e.g. by `speech.create`; `toFile` and `createReadable` have no limit. */
export const MAX_BUFFERED_BODY_BYTES = 256 * 1024 * 1024;

/** How long reading a streamed error body may take before the part read so far is used. */
const ERROR_BODY_READ_MS = 10_000;

/**
 * Reads the error body of a `responseType: 'stream'` request into a Buffer (at most
 * MAX_ERROR_BODY_BYTES, within a time bound), then destroys the stream so its socket is freed.
 * Never rejects: a body that breaks off yields what arrived.
 */
export function readErrorBody(body: Readable, timeoutMs = ERROR_BODY_READ_MS): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = () => {
      clearTimeout(timer);
      body.off('data', onData).off('end', finish).off('error', finish).off('close', finish);
      if (!body.destroyed) body.destroy();
      resolve(Buffer.concat(chunks).subarray(0, MAX_ERROR_BODY_BYTES));
    };
    const onData = (chunk: Buffer | string) => {
      const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
      chunks.push(bytes);
      size += bytes.length;
      if (size >= MAX_ERROR_BODY_BYTES) finish();
    };
    const timer = setTimeout(finish, timeoutMs);
    body.on('data', onData).once('end', finish).once('error', finish).once('close', finish);
  });
}

/**
 * Wraps the body of a successful `responseType: 'stream'` response:
 * - errors (a reset mid-body, an abort) reach the reader as typed errors, never as AxiosErrors,
 *   which would carry the request config and its Authorization header;
 * - axios's `timeout` stops counting once headers arrive, so a body that sends nothing for
 *   `idleTimeoutMs` fails with APITimeoutError (time the reader spends not reading does not count);
 * - destroying the wrapper (e.g. breaking out of `for await`) destroys the socket's stream.
 */
export function guardStreamedBody(source: Readable, idleTimeoutMs: number | undefined, redact?: Redact): Readable {
  const guarded = new PassThrough();
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    if (!idleTimeoutMs) return;
    clearTimeout(timer);
    // Unref'd: a body nobody reads any more must not keep the process alive by itself.
    timer = setTimeout(onIdle, idleTimeoutMs).unref();
  };
  const onIdle = () => {
    if (guarded.writableNeedDrain || source.isPaused()) return arm();
    guarded.destroy(new APITimeoutError(`The response body sent nothing for ${idleTimeoutMs} ms.`));
  };
  source.on('data', arm);
  source.once('end', () => clearTimeout(timer));
  source.once('error', (error) => guarded.destroy(bodyError(error, redact)));
  source.once('close', () => {
    if (!source.readableEnded && !guarded.destroyed) guarded.destroy(bodyError(source.errored ?? undefined, redact));
  });
  guarded.once('close', () => {
    clearTimeout(timer);
    if (!source.destroyed) source.destroy();
  });
  source.pipe(guarded);
  arm();
  return guarded;
}

function bodyError(error: Error | undefined, redact?: Redact): Error {
  const typed = toTogetherError(error, redact);
  if (typed instanceof TogetherAudioError) return typed;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return new APIConnectionError(
    `The connection broke off before the response body ended${error ? `: ${error.message}` : ''}.`,
    { code, cause: error },
  );
}

/**
 * Maps a failed axios request to a typed error, first reading (a bounded prefix of) the error body
 * so that its message can be shown.
 */
export async function toTogetherErrorReadingBody(error: unknown, redact?: Redact): Promise<unknown> {
  if (!(error instanceof AxiosError)) return toTogetherError(error, redact);
  const form: unknown = error.config?.data;
  if (form instanceof ReplayableFormData) {
    // A source of the upload that failed (a file that cannot be read, a stream that errored or was
    // destroyed) is the cause, whatever the request then failed with.
    const failed = form.failedSource;
    // An upload that failed for good: close the files its form opened.
    form.dispose();
    if (failed) return UploadSourceError.of(failed);
  }
  const response = error.response;
  if (response && isReadable(response.data)) {
    let body = response.data as Readable;
    try {
      body = decodedBody(response as AxiosResponse<Readable>, redact);
    } catch {
      // An encoding this client does not decode: the raw prefix still says more than nothing.
    }
    response.data = await readErrorBody(body);
  }
  return toTogetherError(error, redact);
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
 * header) is decoded by `decodedBody`, which fails on a truncated or corrupt stream.
 */
export function prepareResponse(config: InternalAxiosRequestConfig): InternalAxiosRequestConfig {
  if (config.togetherResponseType === undefined) {
    config.togetherResponseType = config.responseType ?? 'json';
    config.responseType = 'stream';
    config.decompress = false;
  }
  if (!config.headers.has('Accept-Encoding')) config.headers.set('Accept-Encoding', expectedBody(config) === 'audio' ? 'identity' : 'gzip, deflate, br');
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
 * header names (events when that is all it names, audio when it names any). Undefined: no check.
 */
function expectedBody(config: InternalAxiosRequestConfig): BodyKind | undefined {
  const wanted = config.togetherResponseType ?? config.responseType;
  if (wanted === undefined || wanted === 'json') return 'json';
  const accept = String(config.headers.get('Accept') ?? '');
  const kinds = new Set(accept.split(',').filter((type) => type.trim() !== '').map(kindOf));
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

/**
 * The response pipeline for a successful status, once per response (a retried request passes the
 * interceptors again with the same response): decode the body, guard it (typed errors, idle
 * timeout), refuse a body that contradicts the request, then hand it over as the caller asked: as
 * the stream, or read (bounded) into a Buffer, a string, or parsed JSON that must be an object or
 * an array.
 */
export async function settleResponse<T extends AxiosResponse>(response: T, redact?: Redact): Promise<T> {
  const { config } = response;
  const wanted = config.togetherResponseType;
  if (wanted === undefined || !isReadable(response.data) || settled.has(response)) return response;
  settled.add(response);
  stopSocketTimeout(response.request as ClientRequest | undefined);
  const body = guardStreamedBody(decodedBody(response as AxiosResponse<Readable>, redact), config.timeout, redact);
  const contentType = String(response.headers['content-type'] ?? '');
  const expected = expectedBody(config);
  const problem = contradiction(expected, contentType);
  if (problem) throw unexpectedResponse(response, problem, await readErrorBody(body), redact);
  if (wanted === 'stream') {
    response.data = body;
    return response;
  }
  if (response.status === 204 || response.status === 205 || config.method?.toUpperCase() === 'HEAD') {
    body.resume();
    response.data = wanted === 'arraybuffer' ? Buffer.alloc(0) : '';
    return response;
  }
  const limit = expected === 'json' ? MAX_JSON_BODY_BYTES : MAX_BUFFERED_BODY_BYTES;
  const bytes = await readUpTo(body, limit, response);
  if (bytes === undefined) {
    const advice = expected === 'audio' ? '; use speech.toFile() or createReadable() for audio this long' : '';
    throw unexpectedResponse(response, `the body is larger than ${limit / 1024 / 1024} MiB, the most this client holds in memory for it${advice}`, undefined, redact);
  }
  response.data = wanted === 'json' ? parseJson(response, bytes, redact) : wanted === 'text' ? bytes.toString('utf8') : bytes;
  return response;
}

function parseJson(response: AxiosResponse, bytes: Buffer, redact?: Redact): unknown {
  const text = bytes.toString('utf8').replace(/^\uFEFF/, '');
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

/** The whole body, or undefined (and the body destroyed) once it passes `maxBytes`. */
function readUpTo(body: Readable, maxBytes: number, response: AxiosResponse): Promise<Buffer | undefined> {
  const declared = Number(response.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    body.destroy();
    return Promise.resolve(undefined);
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    body.on('data', (chunk: Buffer) => {
      size += chunk.length;
      chunks.push(chunk);
      if (size <= maxBytes) return;
      body.destroy();
      resolve(undefined);
    });
    body.once('end', () => resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size)));
    body.once('error', reject);
  });
}

/**
 * Decoders for Content-Encoding. Each passes on what it has as data arrives (so events stream), but
 * finishes strictly: a stream that ends before its end marker fails instead of yielding what was
 * decoded so far. `deflate` is the zlib format (RFC 9110); raw deflate fails as corrupt.
 */
const DECODERS: Record<string, () => zlib.Gunzip | zlib.Inflate | zlib.BrotliDecompress> = {
  gzip: () => zlib.createGunzip({ flush: zlib.constants.Z_SYNC_FLUSH }),
  'x-gzip': () => zlib.createGunzip({ flush: zlib.constants.Z_SYNC_FLUSH }),
  deflate: () => zlib.createInflate({ flush: zlib.constants.Z_SYNC_FLUSH }),
  br: () => zlib.createBrotliDecompress({ flush: zlib.constants.BROTLI_OPERATION_FLUSH }),
};

/**
 * The response body with its Content-Encoding removed. A decoding failure is an
 * UnexpectedResponseError; a failure of the connection underneath passes through as it is.
 */
function decodedBody(response: AxiosResponse<Readable>, redact?: Redact): Readable {
  const raw = response.data;
  const encoding = String(response.headers['content-encoding'] ?? '').trim().toLowerCase();
  if (encoding === '' || encoding === 'identity') return raw;
  const create = DECODERS[encoding];
  if (!create) {
    raw.destroy();
    throw unexpectedResponse(response, `the body has Content-Encoding ${JSON.stringify(encoding)}, which this client does not decode`, undefined, redact);
  }
  const decoder = create();
  const output = new PassThrough();
  let upstreamFailed = false;
  raw.once('error', (error) => {
    upstreamFailed = true;
    output.destroy(error);
  });
  decoder.once('error', (error) => {
    if (upstreamFailed) return;
    raw.destroy();
    output.destroy(unexpectedResponse(response, `the ${encoding}-encoded body is truncated or corrupt (${error.message})`, undefined, redact));
  });
  output.once('close', () => {
    if (!raw.destroyed) raw.destroy();
    if (!decoder.destroyed) decoder.destroy();
  });
  raw.pipe(decoder).pipe(output);
  return output;
}

/**
 * axios sends most requests through follow-redirects, which enforces `timeout` by destroying the
 * socket after that long without traffic, and leaves that in place while the body streams: a reader
 * that pauses longer than the timeout would lose the connection. The body's own idle timer
 * (guardStreamedBody) replaces it, and it does not count time the reader spends not reading.
 */
function stopSocketTimeout(request: ClientRequest | undefined): void {
  const socket = request?.socket;
  if (!socket) return;
  socket.removeListener('timeout', socket.destroy);
  socket.setTimeout(0);
}
