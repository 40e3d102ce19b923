import { createReadStream } from 'node:fs';
import { once } from 'node:events';
import { pipeline } from 'node:stream/promises';
import { startLocalServer } from '../test/support/local-server.cjs';
import { deterministicBlock } from './payloads.mjs';

const VOICES_BODY = JSON.stringify({
  data: [
    {
      model: 'cartesia/sonic',
      voices: [
        { id: 'v1', name: 'helpful woman' },
        { id: 'v2', name: 'calm man' },
      ],
    },
    { model: 'hexgrad/Kokoro-82M', voices: [{ id: 'af_alloy', name: 'af_alloy' }] },
  ],
});

/** The SSE body of streamed speech, built once: `chunks` events of base64 PCM, then [DONE]. */
function speechEvents(chunks, chunkBytes) {
  const events = [];
  for (let i = 0; i < chunks; i++) {
    const pcm = deterministicBlock(chunkBytes, i + 1);
    events.push(`data: ${JSON.stringify({ data: { object: 'audio.tts.chunk', model: 'cartesia/sonic', b64: pcm.toString('base64') } })}\n\n`);
  }
  events.push('data: [DONE]\n\n');
  return events;
}

async function readSmallJson(req) {
  let text = '';
  for await (const chunk of req) text += chunk;
  return JSON.parse(text);
}

async function writeEvents(res, events) {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  for (const event of events) {
    if (!res.write(event)) await once(res, 'drain');
  }
  res.end();
}

/** Counts and discards the upload as it streams in; never holds it. */
async function countUpload(req) {
  let bytes = 0;
  for await (const chunk of req) bytes += chunk.length;
  return bytes;
}

/**
 * A stand-in for the Together API on 127.0.0.1: /voices, /audio/speech (the download payload
 * streamed from disk, or SSE) and /audio/transcriptions (which answers with the byte count it saw).
 */
export async function startBenchServer({ downloadPath, downloadBytes, sseChunks, sseChunkBytes }) {
  const events = speechEvents(sseChunks, sseChunkBytes);
  const routes = {
    'GET /v1/voices': (req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(VOICES_BODY) });
      res.end(VOICES_BODY);
    },
    'POST /v1/audio/speech': async (req, res) => {
      const request = await readSmallJson(req);
      if (request.stream) return writeEvents(res, events);
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': downloadBytes });
      await pipeline(createReadStream(downloadPath, { highWaterMark: 256 * 1024 }), res);
    },
    'POST /v1/audio/transcriptions': async (req, res) => {
      const bytes = await countUpload(req);
      const body = JSON.stringify({ text: String(bytes) });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    },
  };

  return startLocalServer(
    (req, res) => {
      const route = routes[`${req.method} ${req.url.split('?')[0]}`];
      if (route) return route(req, res);
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: `no route for ${req.method} ${req.url}`, type: 'not_found' } }));
    },
    { keepAliveTimeout: 60_000 },
  );
}
