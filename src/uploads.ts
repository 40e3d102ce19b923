import { isAsyncIterable, isNodeReadable, isWebReadableStream, type ByteSource } from './bytes';
import { describeValue } from './validation';
import { TogetherAudioError } from './errors';
import type { Platform } from './platform';

/**
 * An audio file to upload:
 * - a public `http(s)://` URL (string or URL object), sent as-is for the server to fetch;
 * - the bytes: a Uint8Array (a Buffer is one), an ArrayBuffer, a Blob/File, a web ReadableStream,
 *   a Node Readable or any async iterable of bytes (streamed where the runtime can stream a body);
 * - on Node (and Bun and Deno), a file path or a `file:` URL, streamed from disk.
 */
export type Uploadable = string | URL | Blob | Uint8Array | ArrayBuffer | ReadableStream<Uint8Array> | AsyncIterable<Uint8Array | string>;

/** A stream part of an upload that failed: what it was, and how. */
export interface FailedSource {
  /** The part described for a message: `file "a.wav"`, or `a PassThrough given as "file"`. */
  source: string;
  /** The stream's error, or ERR_STREAM_PREMATURE_CLOSE when it was destroyed without one. */
  error: Error;
}

/**
 * The file to upload could not be read: a path that does not exist or cannot be read, or a stream
 * that errored or was destroyed before its end. A local failure, so never retried; `source` names
 * the file or stream and `cause` is the underlying error.
 */
export class UploadSourceError extends TogetherAudioError {
  override name = 'UploadSourceError';
  constructor(
    message: string,
    readonly source: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }

  /** The error for a stream part of an upload that failed while being sent. */
  static of({ source, error }: FailedSource): UploadSourceError {
    const premature = (error as { code?: unknown }).code === 'ERR_STREAM_PREMATURE_CLOSE';
    const message = premature
      ? `The upload source, ${source}, was destroyed before its end; the upload was cancelled.`
      : `Reading the upload source, ${source}, failed: ${error.message}`;
    return new UploadSourceError(message, source, { cause: error });
  }
}

/** An upload path that does not exist or is not a regular file. */
export class UploadFileError extends UploadSourceError {
  override name = 'UploadFileError';
  constructor(
    message: string,
    readonly path: string,
    options?: ErrorOptions,
  ) {
    super(message, `file ${JSON.stringify(path)}`, options);
  }
}

/** Name given to a file part when the value carries none (bytes, a Blob, an anonymous stream). */
export const DEFAULT_UPLOAD_FILENAME = 'audio';

/** One file part of a multipart upload. A class, so that the generated client passes it through as it is. */
export class UploadSource {
  #consumed = false;
  constructor(
    private readonly body: Blob | Uint8Array | (() => ByteSource),
    readonly filename: string,
    /** What the bytes come from, for a message: `file "a.wav"`, `a Blob`, `a PassThrough`. */
    readonly description: string,
    readonly contentType: string,
    /** Bytes, when known before reading. */
    readonly size: number | undefined,
    /** False for a caller's stream, which can be read only once. */
    readonly replayable: boolean,
  ) {}

  /** The bytes as a Blob part, when they are held as one (never for a stream). */
  get blobPart(): Blob | Uint8Array | undefined {
    return typeof this.body === 'function' ? undefined : this.body;
  }

  /** Opens the bytes for sending; a stream that was already sent cannot be opened again. */
  open(): ByteSource {
    if (typeof this.body !== 'function') return this.body instanceof Uint8Array ? singleChunk(this.body) : this.body.stream();
    if (!this.replayable) {
      if (this.#consumed) throw new TypeError('This upload stream was already sent once and cannot be read again.');
      this.#consumed = true;
    }
    return this.body();
  }
}

const REMOTE_URL = /^https?:\/\//i;

/**
 * Turns an Uploadable into the `file` value the generated client sends: a URL string as a plain
 * field, anything else as an UploadSource. What is not understood is a TypeError here, before any
 * network I/O, and a path is checked to exist here too.
 */
export async function toUploadSource(input: Uploadable, platform: Platform): Promise<UploadSource | string> {
  if (typeof input === 'string') {
    if (input.trim() === '') throw new TypeError('The upload file path is an empty string.');
    return REMOTE_URL.test(input) ? input : openFile(input, platform);
  }
  if (input instanceof URL) {
    if (input.protocol === 'http:' || input.protocol === 'https:') return input.href;
    if (input.protocol === 'file:') return openFile(input, platform);
    throw new TypeError(`Cannot upload from a ${input.protocol} URL: use a file:, http: or https: URL.`);
  }
  const source = bytesSource(input);
  if (source) return source;
  throw new TypeError(
    `Cannot upload ${describeValue(input)}: pass an http(s) URL, a Uint8Array/Buffer, an ArrayBuffer, a Blob/File, a ReadableStream, ` +
      'a Node Readable or an async iterable of bytes (or, on Node, a file path or file: URL).',
  );
}

/** The UploadSource for bytes, a Blob or a stream; undefined for anything else. Throws for a stream that cannot be read. */
export function bytesSource(input: unknown): UploadSource | undefined {
  if (input instanceof UploadSource) return input;
  if (input instanceof Uint8Array)
    return new UploadSource(input, DEFAULT_UPLOAD_FILENAME, `a ${input.constructor.name}`, 'application/octet-stream', input.length, true);
  if (input instanceof ArrayBuffer) return bytesSource(new Uint8Array(input));
  if (typeof Blob !== 'undefined' && input instanceof Blob) {
    const name = (input as { name?: unknown }).name;
    const filename = typeof name === 'string' && name !== '' ? name : DEFAULT_UPLOAD_FILENAME;
    return new UploadSource(input, filename, `a ${input.constructor.name}`, input.type || 'application/octet-stream', input.size, true);
  }
  if (isWebReadableStream(input)) {
    if (input.locked) throw new TypeError('Cannot upload a ReadableStream that is locked (already being read).');
    return streamSource(input, DEFAULT_UPLOAD_FILENAME, 'a ReadableStream');
  }
  if (isNodeReadable(input)) {
    const state = input as { readableEnded?: boolean; destroyed?: boolean; path?: unknown };
    if (state.readableEnded || state.destroyed) throw new TypeError('Cannot upload a stream that has already ended or been destroyed.');
    if (typeof state.path === 'string') return streamSource(input, baseName(state.path), `file ${JSON.stringify(state.path)}`);
    return streamSource(input, DEFAULT_UPLOAD_FILENAME, `a ${input.constructor?.name || 'stream'}`);
  }
  if (isAsyncIterable(input)) return streamSource(input, DEFAULT_UPLOAD_FILENAME, 'an async iterable');
  return undefined;
}

function openFile(path: string | URL, platform: Platform): Promise<UploadSource> {
  if (!platform.openFile) {
    throw new TypeError(
      `Cannot upload from a file path in this runtime (no file system): pass a Blob/File, bytes or a stream, or an http(s) URL for the server to fetch.`,
    );
  }
  return platform.openFile(path);
}

function streamSource(stream: ByteSource, filename: string, description: string): UploadSource {
  return new UploadSource(() => stream, filename, description, 'application/octet-stream', undefined, false);
}

async function* singleChunk(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}

export function baseName(path: string): string {
  return path.split(/[\\/]/).pop() || DEFAULT_UPLOAD_FILENAME;
}
