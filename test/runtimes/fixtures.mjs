// Data both sides of the runtime contract agree on, computed with web standards only (this module
// runs inside every runtime under test as well as in the Node server).

/** Deterministic bytes that are not valid UTF-8, so any text decoding on the way would change them. */
export function patternBytes(length, seed) {
  const bytes = new Uint8Array(length);
  let state = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    bytes[i] = state >>> 24;
  }
  if (length > 2) bytes.set([0xff, 0xfe, 0x80], 0);
  return bytes;
}

export const API_KEY = 'runtime-matrix-key-0123456789';
/** The encoded audio /audio/speech returns. */
export const SPEECH_BYTES = () => patternBytes(200_003, 7);
/** The PCM chunks streamed speech sends, one per event. */
export const PCM_CHUNKS = () => [1, 2, 3, 4, 5].map((seed) => patternBytes(4_000 + seed * 333, seed + 100));
/** The audio each upload sends. */
export const UPLOAD_BYTES = () => patternBytes(150_001, 11);
export const VOICES = {
  data: [{ model: 'cartesia/sonic', voices: [{ id: 'v1', name: 'helpful woman' }] }],
};
/** A voice the server refuses with a 400. */
export const BAD_VOICE = 'no-such-voice';
/** Speech text for which the server sends one event and then stalls, for the abort case. */
export const STALL_INPUT = 'stall after the first chunk';
/** Speech text for which the server sends SLOW_EVENTS events SLOW_GAP_MS apart: longer in all than the call's timeout, never silent that long. */
export const SLOW_INPUT = 'slow but steady';
export const SLOW_EVENTS = 8;
export const SLOW_GAP_MS = 200;

export async function sha256Hex(bytes) {
  const digest = await crypto.subtle.digest('SHA-256', bytes);
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, '0')).join('');
}

export function toBase64(bytes) {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}
