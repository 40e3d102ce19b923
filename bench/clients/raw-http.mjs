import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { pcmChunksFromSse } from '../sse.mjs';
import { API_KEY, SPEECH_REQUEST, STREAMED_SPEECH_REQUEST, UPLOAD_MODEL, receivedBytes } from './speech-request.mjs';

async function readAll(response) {
  const chunks = [];
  for await (const chunk of response) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** The baseline: node:http with a keep-alive agent, hand-written JSON and multipart. */
export function createRawHttpClient(baseURL) {
  const agent = new http.Agent({ keepAlive: true });
  const base = new URL(baseURL);

  function send(method, route, headers, writeBody) {
    return new Promise((resolve, reject) => {
      const req = http.request(
        { agent, host: base.hostname, port: base.port, method, path: `${base.pathname}${route}`, headers: { authorization: `Bearer ${API_KEY}`, ...headers } },
        (res) => {
          if (res.statusCode === 200) return resolve(res);
          res.resume();
          reject(new Error(`${method} ${route}: status ${res.statusCode}`));
        },
      );
      req.on('error', reject);
      writeBody(req);
    });
  }

  const postJson = (route, body, accept) => {
    const json = JSON.stringify(body);
    return send('POST', route, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json), accept }, (req) => req.end(json));
  };

  return {
    api: 'node:http',
    async listVoices() {
      return JSON.parse((await readAll(await send('GET', '/voices', { accept: 'application/json' }, (req) => req.end()))).toString('utf8'));
    },
    async download() {
      return (await readAll(await postJson('/audio/speech', SPEECH_REQUEST, 'application/octet-stream'))).length;
    },
    async downloadToFile(filePath) {
      const out = createWriteStream(filePath);
      await pipeline(await postJson('/audio/speech', SPEECH_REQUEST, 'application/octet-stream'), out);
      return out.bytesWritten;
    },
    async *streamSpeech() {
      yield* pcmChunksFromSse(await postJson('/audio/speech', STREAMED_SPEECH_REQUEST, 'text/event-stream'));
    },
    async transcribe(filePath) {
      const boundary = 'bench-boundary-7d1f3a';
      const head = Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="model"\r\n\r\n${UPLOAD_MODEL}\r\n` +
          `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${path.basename(filePath)}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
      );
      const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
      const { size } = await stat(filePath);
      const response = await send(
        'POST',
        '/audio/transcriptions',
        { 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': head.length + size + tail.length, accept: 'application/json' },
        (req) => {
          req.write(head);
          pipeline(createReadStream(filePath), req, { end: false }).then(
            () => req.end(tail),
            (error) => req.destroy(error),
          );
        },
      );
      return receivedBytes(JSON.parse((await readAll(response)).toString('utf8')));
    },
    close() {
      agent.destroy();
    },
  };
}
