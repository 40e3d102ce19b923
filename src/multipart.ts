import FormData from 'form-data';
import path from 'node:path';
import { finished, Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';

/** Name given to a file part when the value carries none (a Buffer, a Blob, an anonymous stream). */
export const DEFAULT_UPLOAD_FILENAME = 'audio';

/** A stream part of a form that failed: what it was, and how. */
export interface FailedSource {
  /** The part described for a message: `file "a.wav"`, or `a PassThrough given as "file"`. */
  source: string;
  /** The stream's error, or ERR_STREAM_PREMATURE_CLOSE when it was destroyed without one. */
  error: Error;
}

/**
 * The FormData implementation handed to the generated API classes (`Configuration.formDataCtor`).
 * It streams every part: Blobs and Readables are piped, never read whole into memory, and
 * Buffers, Blobs and streams become file parts with a filename, which the API requires.
 *
 * A stream part that fails fails the form at once (form-data alone would wait for ever on a stream
 * destroyed without an error), and `failedSource` tells which part it was.
 */
export class StreamingFormData extends FormData {
  private failure: FailedSource | undefined;
  private errorEmitted = false;
  /** Set once the request is over: a source closed after that is no failure of the upload. */
  protected released = false;

  /** The stream part that errored or was destroyed before its end, if one did. */
  get failedSource(): FailedSource | undefined {
    return this.failure;
  }

  override append(name: string, value: unknown, options?: FormData.AppendOptions | string): void {
    if (isReadable(value)) this.watchSource(value, name);
    if (options !== undefined) return super.append(name, value, options);
    if (typeof Blob !== 'undefined' && value instanceof Blob) {
      const stream = Readable.fromWeb(value.stream() as unknown as WebReadableStream);
      this.watchSource(stream, name, 'a Blob');
      return super.append(name, stream, {
        filename: fileNameOf(value) ?? DEFAULT_UPLOAD_FILENAME,
        contentType: value.type || 'application/octet-stream',
        knownLength: value.size,
      });
    }
    if (value instanceof Uint8Array) {
      const bytes = Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
      return super.append(name, bytes, { filename: DEFAULT_UPLOAD_FILENAME, contentType: 'application/octet-stream' });
    }
    if (isReadable(value)) {
      const streamPath = (value as { path?: unknown }).path;
      const filename = typeof streamPath === 'string' ? path.basename(streamPath) : DEFAULT_UPLOAD_FILENAME;
      return super.append(name, value, { filename });
    }
    super.append(name, typeof value === 'string' ? value : String(value));
  }

  /** A form emits one error: later ones (a source's error arriving after its premature close) are dropped. */
  override emit(event: string | symbol, ...args: any[]): boolean {
    if (event === 'error') {
      if (this.errorEmitted) return false;
      this.errorEmitted = true;
    }
    return super.emit(event, ...args);
  }

  /** A source that failed before the form was sent fails the form as soon as it is. */
  override pipe<T extends NodeJS.WritableStream>(destination: T, options?: { end?: boolean }): T {
    const piped = super.pipe(destination, options);
    const failed = this.failure;
    if (failed) process.nextTick(() => this.emit('error', failed.error));
    return piped;
  }

  private watchSource(stream: NodeJS.ReadableStream, field: string, kind?: string): void {
    const streamPath = (stream as { path?: unknown }).path;
    const source =
      typeof streamPath === 'string'
        ? `file ${JSON.stringify(streamPath)}`
        : `${kind ?? `a ${stream.constructor?.name || 'stream'}`} given as ${JSON.stringify(field)}`;
    finished(stream, (error) => {
      if (!error || this.failure || this.released) return;
      this.failure = { source, error };
      if (this.listenerCount('error') > 0) this.emit('error', error);
    });
  }
}

export function isReadable(value: unknown): value is NodeJS.ReadableStream {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as NodeJS.ReadableStream).pipe === 'function' &&
    typeof (value as NodeJS.ReadableStream).on === 'function'
  );
}

function fileNameOf(blob: Blob): string | undefined {
  const name = (blob as { name?: unknown }).name;
  return typeof name === 'string' && name !== '' ? name : undefined;
}
