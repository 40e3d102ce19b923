import FormData from 'form-data';
import { createReadStream, ReadStream } from 'node:fs';
import { isReadable, StreamingFormData } from './multipart';

type Part = [name: string, value: unknown, options?: FormData.AppendOptions | string];

/**
 * The client's multipart body. A form is a stream, so once sent it is used up and a retry would
 * send it empty (or hang). This form remembers what was appended so a retry can send a fresh copy
 * with the same boundary: strings, bytes and Blobs are immutable, and a file opened from a path
 * (`fs.createReadStream`, which is what upload paths become) is opened again over the same range.
 * A form holding any other stream cannot be rebuilt, and is never retried.
 */
export class ReplayableFormData extends StreamingFormData {
  private readonly parts: Part[] = [];

  override append(name: string, value: unknown, options?: FormData.AppendOptions | string): void {
    this.parts.push([name, value, options]);
    super.append(name, value, options);
  }

  /** Whether `rebuild()` can make a fresh copy. */
  get replayable(): boolean {
    return this.parts.every(([, value]) => !isReadable(value) || reopenable(value));
  }

  /** A fresh copy of this form, same boundary; this one's open file streams are closed. */
  rebuild(): ReplayableFormData {
    if (!this.replayable) throw new TypeError('This form holds a stream that cannot be read again.');
    const copy = new ReplayableFormData();
    copy.setBoundary(this.getBoundary());
    for (const [name, value, options] of this.parts) {
      copy.append(name, value instanceof ReadStream ? reopen(value) : value, options);
    }
    this.dispose();
    return copy;
  }

  /** Closes the file streams this form was given. */
  dispose(): void {
    this.released = true;
    for (const [, value] of this.parts) if (value instanceof ReadStream && !value.destroyed) value.destroy();
  }
}


function reopenable(value: unknown): value is ReadStream {
  return value instanceof ReadStream && typeof value.path === 'string';
}

function reopen(stream: ReadStream): ReadStream {
  const { start, end } = stream as ReadStream & { start?: number; end?: number };
  return createReadStream(stream.path as string, { start, end: end === Infinity ? undefined : end });
}
