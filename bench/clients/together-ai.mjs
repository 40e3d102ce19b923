import { createReadStream, createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import Together from 'together-ai';
import { API_KEY, SPEECH_REQUEST, STREAMED_SPEECH_REQUEST, UPLOAD_MODEL, receivedBytes } from './speech-request.mjs';

/**
 * Together's official SDK (fetch-based; Node's fetch keeps connections alive by default), used
 * as its typings document: audio.voices.list, audio.speech.create, audio.transcriptions.create
 * with a ReadStream.
 */
export function createTogetherAiClient(baseURL) {
  const client = new Together({ apiKey: API_KEY, baseURL, maxRetries: 0 });

  return {
    api: 'together-ai 0.52 (fetch)',
    async listVoices() {
      return client.audio.voices.list();
    },
    async download() {
      const response = await client.audio.speech.create(SPEECH_REQUEST);
      return Buffer.from(await response.arrayBuffer()).length;
    },
    async downloadToFile(filePath) {
      const response = await client.audio.speech.create(SPEECH_REQUEST);
      const out = createWriteStream(filePath);
      await pipeline(Readable.fromWeb(response.body), out);
      return out.bytesWritten;
    },
    async *streamSpeech() {
      const events = await client.audio.speech.create(STREAMED_SPEECH_REQUEST);
      for await (const event of events) yield Buffer.from(b64Of(event), 'base64');
    },
    async transcribe(filePath) {
      return receivedBytes(await client.audio.transcriptions.create({ file: createReadStream(filePath), model: UPLOAD_MODEL }));
    },
    close() {},
  };
}

/**
 * The typings promise chunks; the wire format nests each chunk under `data`.
 * @param {any} event
 * @returns {string}
 */
function b64Of(event) {
  return (event.data ?? event).b64;
}
