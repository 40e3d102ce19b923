import FormData from 'form-data';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';

/** Name given to a file part when the value carries none (a Buffer, a Blob, an anonymous stream). */
export const DEFAULT_UPLOAD_FILENAME = 'audio';

/**
 * The FormData implementation handed to the generated API classes (`Configuration.formDataCtor`).
 * It streams every part: Blobs and Readables are piped, never read whole into memory, and
 * Buffers, Blobs and streams become file parts with a filename, which the API requires.
 */
export class StreamingFormData extends FormData {
  override append(name: string, value: unknown, options?: FormData.AppendOptions | string): void {
    if (options !== undefined) return super.append(name, value, options);
    if (typeof Blob !== 'undefined' && value instanceof Blob) {
      const stream = Readable.fromWeb(value.stream() as unknown as WebReadableStream);
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
