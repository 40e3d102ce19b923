import { byteReader, utf8, type ByteReader } from './bytes';
import { describeValue } from './validation';
import { bytesSource, type FailedSource, type UploadSource } from './uploads';

type Part = { name: string; value: string | UploadSource };

/**
 * The multipart body of an upload, handed to the generated API classes as their FormData
 * (`Configuration.formDataCtor`). It only records the fields; the transport encodes it anew for
 * every attempt (see `encodedBody`), so a retry sends the same fields again, with the same
 * boundary, and a file part is streamed rather than read whole into memory. A field value that is
 * neither text nor an UploadSource is a TypeError, never the text `[object Object]`.
 */
export class MultipartForm {
  /** Lets axios's request transform pass the form through untouched. */
  readonly [Symbol.toStringTag] = 'FormData';
  readonly boundary = `together-audio-${randomHex(12)}`;
  readonly #parts: Part[] = [];
  readonly #open = new Set<ByteReader>();
  #failure: FailedSource | undefined;

  /** The part whose source errored or ended early while being sent, if one did: the upload failed because of it. */
  get failedSource(): FailedSource | undefined {
    return this.#failure;
  }

  /** A text field, or a file part from bytes, a Blob/File or a stream (as the generated methods take them). */
  append(name: string, value: unknown): void {
    if (typeof value === 'string') this.#parts.push({ name, value });
    else if (typeof value === 'number' || typeof value === 'boolean') this.#parts.push({ name, value: String(value) });
    else {
      const source = bytesSource(value);
      if (!source) throw new TypeError(`The multipart field "${name}" must be text, bytes, a Blob/File or a stream; got ${describeValue(value)}.`);
      this.#parts.push({ name, value: source });
    }
  }

  get contentType(): string {
    return `multipart/form-data; boundary=${this.boundary}`;
  }

  /** Whether every part can be sent again (no caller-supplied stream), so that a failed upload may be retried. */
  get replayable(): boolean {
    return this.#parts.every(({ value }) => typeof value === 'string' || value.replayable);
  }

  /** Length of the encoded body, when every part's size is known. */
  get size(): number | undefined {
    let size = 0;
    for (const [index, { value }] of this.#parts.entries()) {
      const body = typeof value === 'string' ? utf8(value).length : value.size;
      if (body === undefined) return undefined;
      size += this.#head(index).length + body + 2;
    }
    return size + utf8(this.#tail()).length;
  }

  /** The whole body as one Blob when it holds no stream (the runtime then sends it, with its length, as it likes). */
  toBlob(): Blob | undefined {
    const blobParts: Array<Blob | Uint8Array | string> = [];
    for (const [index, { value }] of this.#parts.entries()) {
      const body = typeof value === 'string' ? value : value.blobPart;
      if (body === undefined) return undefined;
      blobParts.push(this.#head(index), body, '\r\n');
    }
    blobParts.push(this.#tail());
    return new Blob(blobParts, { type: this.contentType });
  }

  /** The encoded body, streamed part by part. */
  async *encode(): AsyncGenerator<Uint8Array, void, undefined> {
    for (const [index, { name, value }] of this.#parts.entries()) {
      yield this.#head(index);
      if (typeof value === 'string') {
        yield utf8(value);
      } else {
        const reader = byteReader(value.open());
        this.#open.add(reader);
        try {
          for (let chunk = await this.#read(reader, name, value); chunk !== undefined; chunk = await this.#read(reader, name, value)) yield chunk;
        } finally {
          this.#open.delete(reader);
          await reader.cancel();
        }
      }
      yield utf8('\r\n');
    }
    yield utf8(this.#tail());
  }

  /** The next chunk of a part's source; a failure of the source is recorded as the upload's cause. */
  async #read(reader: ByteReader, name: string, part: UploadSource): Promise<Uint8Array | undefined> {
    try {
      return await reader.read();
    } catch (error) {
      const source = part.description.startsWith('file ') ? part.description : `${part.description} given as ${JSON.stringify(name)}`;
      // Duck-typed: an error from another realm (a vm context) is no instance of this realm's Error.
      const failure = typeof error === 'object' && error !== null && 'message' in error ? (error as Error) : new Error(String(error));
      this.#failure ??= { source, error: failure };
      throw error;
    }
  }

  /** Releases the sources of an upload that has failed for good (files opened for it are closed). */
  dispose(): void {
    for (const reader of this.#open) void reader.cancel();
    this.#open.clear();
  }

  #head(index: number): Uint8Array {
    const { name, value } = this.#parts[index];
    const file = typeof value === 'string' ? '' : `; filename="${escapeQuoted(value.filename)}"\r\nContent-Type: ${value.contentType}`;
    return utf8(`--${this.boundary}\r\nContent-Disposition: form-data; name="${escapeQuoted(name)}"${file}\r\n\r\n`);
  }

  #tail(): string {
    return `--${this.boundary}--\r\n`;
  }
}

/** The escaping browsers apply to names in a multipart header (WHATWG HTML, "multipart/form-data encoding algorithm"). */
function escapeQuoted(text: string): string {
  return text.replace(/\r/g, '%0D').replace(/\n/g, '%0A').replace(/"/g, '%22');
}

function randomHex(bytes: number): string {
  const values = new Uint8Array(bytes);
  globalThis.crypto.getRandomValues(values);
  return Array.from(values, (value) => value.toString(16).padStart(2, '0')).join('');
}
