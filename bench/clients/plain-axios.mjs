import axios from 'axios';
import FormData from 'form-data';
import { createReadStream, createWriteStream } from 'node:fs';
import http from 'node:http';
import { pipeline } from 'node:stream/promises';
import { pcmChunksFromSse } from '../sse.mjs';
import { API_KEY, SPEECH_REQUEST, STREAMED_SPEECH_REQUEST, UPLOAD_MODEL, receivedBytes } from './speech-request.mjs';

/** What a user would write with axios alone: one instance with a keep-alive agent, form-data for uploads. */
export function createPlainAxiosClient(baseURL) {
  const agent = new http.Agent({ keepAlive: true });
  const client = axios.create({ baseURL, httpAgent: agent, headers: { authorization: `Bearer ${API_KEY}` } });

  return {
    api: 'axios instance (defaults)',
    async listVoices() {
      return (await client.get('/voices')).data;
    },
    async download() {
      return (await client.post('/audio/speech', SPEECH_REQUEST, { responseType: 'arraybuffer' })).data.length;
    },
    async downloadToFile(filePath) {
      const response = await client.post('/audio/speech', SPEECH_REQUEST, { responseType: 'stream' });
      const out = createWriteStream(filePath);
      await pipeline(response.data, out);
      return out.bytesWritten;
    },
    async *streamSpeech() {
      const response = await client.post('/audio/speech', STREAMED_SPEECH_REQUEST, { responseType: 'stream', headers: { accept: 'text/event-stream' } });
      yield* pcmChunksFromSse(response.data);
    },
    async transcribe(filePath) {
      const form = new FormData();
      form.append('model', UPLOAD_MODEL);
      form.append('file', createReadStream(filePath));
      return receivedBytes((await client.post('/audio/transcriptions', form)).data);
    },
    close() {
      agent.destroy();
    },
  };
}
