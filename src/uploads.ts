import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { AudioTranscriptionRequestFile } from '../generated/models';
import { TogetherAudioError } from './errors';
import { isReadable, type FailedSource } from './multipart';

/**
 * An audio file to upload:
 * - a filesystem path (string, or a `file:` URL), streamed from disk;
 * - a public `http(s)://` URL (string or URL object), sent as-is for the server to fetch;
 * - the bytes themselves: a Buffer/Uint8Array, a Blob/File, or a Node Readable (streamed).
 */
export type Uploadable = string | URL | Blob | Uint8Array | NodeJS.ReadableStream;

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
    const premature = (error as NodeJS.ErrnoException).code === 'ERR_STREAM_PREMATURE_CLOSE';
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

/**
 * The transport of a request whose body is a stream (an upload). axios times such a request by the
 * wall clock until the response headers arrive, which kills a long upload whose bytes are still
 * flowing. With this transport only Node's socket timeout applies, which axios sets from `timeout`
 * and which measures inactivity: no byte sent or received for that long. The connect phase, which
 * that timer does not cover, is bounded by `timeout` here.
 */
export function uploadTransport(timeoutMs: number | undefined) {
  return {
    request(options: http.RequestOptions, onResponse: (response: http.IncomingMessage) => void): http.ClientRequest {
      const request = (options.protocol === 'https:' ? https : http).request(options, onResponse);
      if (timeoutMs) {
        request.once('socket', (socket: Socket) => {
          if (!socket.connecting) return;
          // Handled by axios like its own timeout.
          const timer = setTimeout(() => request.emit('timeout'), timeoutMs);
          const clear = () => clearTimeout(timer);
          socket.once('connect', clear);
          request.once('close', clear);
        });
      }
      return request;
    },
  };
}

const REMOTE_URL = /^https?:\/\//i;

/**
 * Turns an Uploadable into the `file` value the generated client sends. A path is checked with
 * `stat` (so a missing file fails here, before any network I/O) and becomes a read stream: the
 * file is never read whole into memory.
 */
export async function toAudioFile(input: Uploadable): Promise<AudioTranscriptionRequestFile> {
  if (typeof input === 'string') {
    if (input.trim() === '') throw new TypeError('The upload file path is an empty string.');
    return REMOTE_URL.test(input) ? input : openLocalFile(input);
  }
  if (input instanceof URL) {
    if (input.protocol === 'file:') return openLocalFile(fileURLToPath(input));
    if (input.protocol === 'http:' || input.protocol === 'https:') return input.href;
    throw new TypeError(`Cannot upload from a ${input.protocol} URL: use a file:, http: or https: URL.`);
  }
  if (Buffer.isBuffer(input)) return input;
  if (input instanceof Uint8Array) return Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  if (typeof Blob !== 'undefined' && input instanceof Blob) return input;
  if (isReadable(input)) {
    const state = input as Partial<Pick<Readable, 'readableEnded' | 'destroyed'>>;
    if (state.readableEnded || state.destroyed) throw new TypeError('Cannot upload a stream that has already ended or been destroyed.');
    return input;
  }
  throw new TypeError(
    `Cannot upload ${describe(input)}: pass a file path, an http(s) URL, a URL object, a Buffer/Uint8Array, a Blob/File or a Readable.`,
  );
}

async function openLocalFile(path: string): Promise<NodeJS.ReadableStream> {
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? (error as Error).message})`;
    throw new UploadFileError(`Audio file ${JSON.stringify(path)} ${reason}.`, path, { cause: error });
  }
  if (!info.isFile()) {
    throw new UploadFileError(`Audio file ${JSON.stringify(path)} is not a regular file${info.isDirectory() ? ' (it is a directory)' : ''}.`, path);
  }
  return createReadStream(path);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object') return `a ${typeof value}`;
  return `an object (${value.constructor?.name ?? 'no prototype'})`;
}
