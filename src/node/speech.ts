import { createWriteStream, type WriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import type { ReadableStream as NodeWebReadableStream } from 'node:stream/web';
import { pipeline } from 'node:stream/promises';
import type { AudioSpeechRequest } from '../../generated/models';
import type { APIPromise } from '../api-promise';
import type { RequestOptions } from '../request-options';
import { Speech, unstreamed, type SpeechStream, type SpeechStreamOptions } from '../speech';
import { wavStream, writeWavFile } from '../wav';
import { removePartialFile } from './partial-file';

export interface SavedFile {
  path: string;
  /** Bytes written to the file. */
  bytes: number;
}

/** Streamed speech on Node: PCM chunks as Buffers. */
export interface NodeSpeechStream extends SpeechStream, AsyncIterable<Buffer> {
  [Symbol.asyncIterator](): AsyncIterator<Buffer>;
}

/**
 * `together.speech` on Node: the runtime-neutral methods with Buffers where they give bytes (as
 * before the runtime-neutral core), plus Node streams and files.
 */
export class NodeSpeech extends Speech {
  /** The encoded audio (`response_format`, default wav) as one Buffer, byte for byte. */
  override create(request: AudioSpeechRequest, options?: RequestOptions): APIPromise<Buffer> {
    return this.encoded(request, options, asBuffer);
  }

  /** Streamed speech as PCM Buffers (the Node platform decodes into Buffers); see Speech.stream. */
  override stream(request: AudioSpeechRequest, options?: SpeechStreamOptions): NodeSpeechStream {
    return super.stream(request, options) as NodeSpeechStream;
  }

  /**
   * The encoded audio as a Node Readable that is not buffered: pipe it or iterate it. It fails
   * with this package's errors (APIConnectionError, APITimeoutError, APIUserAbortError), and
   * destroying it releases the connection.
   */
  async createReadable(request: AudioSpeechRequest, options?: RequestOptions): Promise<Readable> {
    const response = await this.create(request, options).asResponse();
    // A 204 or 205 has no body at all.
    return response.body ? Readable.fromWeb(response.body as NodeWebReadableStream<Uint8Array>) : Readable.from([]);
  }

  /**
   * The encoded audio written to `path` as it arrives, never held whole in memory. The file is
   * opened before the request is sent, so an unwritable path fails first; on any failure the
   * partial file is removed.
   */
  async toFile(request: AudioSpeechRequest, path: string, options?: RequestOptions): Promise<SavedFile> {
    requirePath(path);
    unstreamed(request);
    const file = await openForWriting(path);
    try {
      const body = await this.createReadable(request, options);
      await pipeline(body, file);
    } catch (error) {
      file.destroy();
      await removePartialFile(path);
      throw error;
    }
    return { path, bytes: file.bytesWritten };
  }

  /**
   * Streamed speech as a WAV stream for pipes and sockets. The header is sent first, so its sizes
   * say "until the end of the stream"; use `toWavFile` for a file with exact sizes.
   */
  streamWav(request: AudioSpeechRequest, options?: SpeechStreamOptions): Readable {
    const speech = this.stream(request, options);
    return wavStream(speech, speech.format);
  }

  /**
   * Streamed speech written to a WAV file as it arrives; once the stream ends the header is
   * completed with the length actually received. On failure the partial file is removed.
   */
  async toWavFile(request: AudioSpeechRequest, path: string, options?: SpeechStreamOptions): Promise<SavedFile> {
    requirePath(path);
    const speech = this.stream(request, options);
    return writeWavFile(path, speech, speech.format);
  }
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** A write stream to `path` once the file is open (created), or the open's error. */
export function openForWriting(path: string): Promise<WriteStream> {
  return new Promise((resolve, reject) => {
    const file = createWriteStream(path);
    file.once('error', reject);
    file.once('open', () => {
      file.off('error', reject);
      resolve(file);
    });
  });
}

function requirePath(path: string): void {
  if (typeof path !== 'string' || path === '') throw new TypeError('A file path (a non-empty string) is required.');
}
