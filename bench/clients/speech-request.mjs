// The request every client sends for the speech cases; the bench server ignores all but `stream`.
export const SPEECH_REQUEST = /** @type {const} */ ({
  model: 'cartesia/sonic',
  input: 'The quick brown fox.',
  voice: 'helpful woman',
  response_format: 'raw',
  response_encoding: 'pcm_s16le',
});
export const STREAMED_SPEECH_REQUEST = /** @type {const} */ ({ ...SPEECH_REQUEST, stream: true });
export const API_KEY = 'bench-key';
export const UPLOAD_MODEL = 'openai/whisper-large-v3';

/** The bench server answers a transcription with the number of body bytes it received. */
export function receivedBytes(transcription) {
  return Number(transcription.text);
}
