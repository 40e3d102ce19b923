import { describeValue } from './validation';

/**
 * Bytes in the shapes every runtime shares: Uint8Array, web ReadableStream, async iterables (which a
 * Node Readable is), TextEncoder/TextDecoder. Nothing here needs Node's Buffer or streams.
 */

/** Pulls chunks from a byte source one at a time; empty chunks are skipped. */
export interface ByteReader {
  /** The next chunk, or undefined at the end. */
  read(): Promise<Uint8Array | undefined>;
  /** Stops reading and releases the source (for a response body, its connection). */
  cancel(reason?: unknown): Promise<void>;
}

export type ByteSource = ReadableStream<Uint8Array> | AsyncIterable<unknown>;

const encoder = new TextEncoder();

export function isWebReadableStream(value: unknown): value is ReadableStream<Uint8Array> {
  return typeof value === 'object' && value !== null && typeof (value as ReadableStream).getReader === 'function';
}

export function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function';
}

/** A Node Readable, recognised without importing Node's stream module. */
export function isNodeReadable(value: unknown): value is AsyncIterable<unknown> & { pipe: unknown; destroy?: (error?: Error) => void } {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { pipe?: unknown }).pipe === 'function' &&
    typeof (value as { on?: unknown }).on === 'function'
  );
}

/** Reads a web ReadableStream through its reader (not every browser can iterate one) or any async iterable of bytes or text. */
export function byteReader(source: ByteSource): ByteReader {
  if (isWebReadableStream(source)) {
    const reader = source.getReader();
    return {
      async read() {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return undefined;
          const bytes = toBytes(value);
          if (bytes.length > 0) return bytes;
        }
      },
      cancel: (reason) => reader.cancel(reason).catch(() => undefined),
    };
  }
  const iterator = source[Symbol.asyncIterator]();
  const stream = isNodeReadable(source) ? source : undefined;
  return {
    async read() {
      for (;;) {
        const { done, value } = await iterator.next();
        if (done) return undefined;
        const bytes = toBytes(value);
        if (bytes.length > 0) return bytes;
      }
    },
    async cancel() {
      // An async generator queues return() behind a pending next(), which may wait forever on a
      // silent connection: a Node stream is destroyed at once instead, and return() is not awaited.
      stream?.destroy?.();
      void iterator.return?.()?.catch(() => undefined);
    },
  };
}

/** Bytes of a chunk: a Uint8Array (a Buffer is one), an ArrayBuffer or view, or text (as UTF-8). */
export function toBytes(chunk: unknown): Uint8Array {
  if (chunk instanceof Uint8Array) return chunk;
  if (typeof chunk === 'string') return encoder.encode(chunk);
  if (chunk instanceof ArrayBuffer) return new Uint8Array(chunk);
  if (ArrayBuffer.isView(chunk)) return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  throw new TypeError(`Expected bytes (a Uint8Array) or text in the stream; got ${describeValue(chunk)}.`);
}

export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

export function concatBytes(chunks: readonly Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  let size = 0;
  for (const chunk of chunks) size += chunk.length;
  const joined = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    joined.set(chunk, offset);
    offset += chunk.length;
  }
  return joined;
}

const BASE64_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const BASE64_VALUES = new Int16Array(128).fill(-1);
for (let i = 0; i < BASE64_ALPHABET.length; i++) BASE64_VALUES[BASE64_ALPHABET.charCodeAt(i)] = i;
const fromBase64 = (Uint8Array as unknown as { fromBase64?: (text: string) => Uint8Array }).fromBase64;

/** Decodes standard base64 (padding optional); undefined when `text` is not base64, instead of silently dropping characters. */
export function decodeBase64(text: string): Uint8Array | undefined {
  if (fromBase64) {
    try {
      return fromBase64(text);
    } catch {
      return undefined;
    }
  }
  let end = text.length;
  if (end > 0 && text.charCodeAt(end - 1) === 61) end--;
  if (end > 0 && text.charCodeAt(end - 1) === 61) end--;
  if (end % 4 === 1 || (end !== text.length && text.length % 4 !== 0)) return undefined;
  const bytes = new Uint8Array(Math.floor((end * 3) / 4));
  let out = 0;
  let i = 0;
  for (; i + 4 <= end; i += 4) {
    const a = value64(text, i),
      b = value64(text, i + 1),
      c = value64(text, i + 2),
      d = value64(text, i + 3);
    if ((a | b | c | d) < 0) return undefined;
    const n = (a << 18) | (b << 12) | (c << 6) | d;
    bytes[out++] = n >> 16;
    bytes[out++] = (n >> 8) & 0xff;
    bytes[out++] = n & 0xff;
  }
  const rest = end - i;
  if (rest >= 2) {
    const a = value64(text, i),
      b = value64(text, i + 1),
      c = rest === 3 ? value64(text, i + 2) : 0;
    if ((a | b | c) < 0) return undefined;
    bytes[out++] = (a << 2) | (b >> 4);
    if (rest === 3) bytes[out++] = ((b & 0xf) << 4) | (c >> 2);
  }
  return bytes;
}

function value64(text: string, index: number): number {
  const code = text.charCodeAt(index);
  return code < 128 ? BASE64_VALUES[code] : -1;
}
