/**
 * Byte helpers for the realtime clients that work where Node's Buffer does not exist (browsers,
 * Deno): Buffer when it is there (fast, and what Node callers expect), atob/btoa otherwise.
 */
type NodeBuffer = typeof Buffer;
function nodeBuffer(): NodeBuffer | undefined {
  // Looked up on each call, so a runtime without Buffer is detected even if this module loaded with one.
  return (globalThis as { Buffer?: NodeBuffer }).Buffer ?? undefined;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Decoded base64: a Buffer in Node, a Uint8Array elsewhere; undefined if `text` is not base64. */
export function fromBase64(text: string): Buffer | undefined {
  // Checked here rather than left to the decoder: Buffer skips what is not base64 and takes base64url,
  // atob forgives missing padding and spaces, and every runtime must refuse the same texts.
  if (text.length % 4 !== 0 || !BASE64.test(text)) return undefined;
  const B = nodeBuffer();
  if (B) return B.from(text, 'base64');
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
  return bytes as Buffer;
}

export function toBase64(bytes: Uint8Array): string {
  const B = nodeBuffer();
  if (B) return B.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

export function concatBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const joined = new Uint8Array(a.length + b.length);
  joined.set(a, 0);
  joined.set(b, a.length);
  return joined;
}

/** `length` bytes from `start` as Latin-1 text (for file signatures). */
export function latin1(bytes: Uint8Array, start: number, length: number): string {
  return String.fromCharCode(...bytes.subarray(start, start + length));
}
