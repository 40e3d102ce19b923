import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { AudioTranscriptionRequestFile } from '../generated/models';
import { TogetherAudioError } from './errors';
import { isReadable } from './multipart';

/**
 * An audio file to upload:
 * - a filesystem path (string, or a `file:` URL), streamed from disk;
 * - a public `http(s)://` URL (string or URL object), sent as-is for the server to fetch;
 * - the bytes themselves: a Buffer/Uint8Array, a Blob/File, or a Node Readable (streamed).
 */
export type Uploadable = string | URL | Blob | Uint8Array | NodeJS.ReadableStream;

/** An upload path that does not exist or is not a regular file. */
export class UploadFileError extends TogetherAudioError {
  override name = 'UploadFileError';
  constructor(
    message: string,
    readonly path: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
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
