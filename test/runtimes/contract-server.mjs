// The local API the runtime contract talks to, on 127.0.0.1: exact bytes, SSE, multipart uploads
// (answered with what arrived), voices, a 400, and a stream that stalls for the abort case. It
// sends CORS headers, as a browser page on another origin needs them.
import busboy from 'busboy';
import { WebSocketServer } from 'ws';
import { createHash } from 'node:crypto';
import { startLocalServer } from '../support/local-server.cjs';
import { API_KEY, BAD_VOICE, PCM_CHUNKS, SLOW_EVENTS, SLOW_GAP_MS, SLOW_INPUT, SPEECH_BYTES, STALL_INPUT, VOICES, toBase64 } from './fixtures.mjs';

function cors(req) {
  return {
    'access-control-allow-origin': '*',
    'access-control-allow-methods': 'GET, POST, OPTIONS',
    'access-control-allow-headers': req.headers['access-control-request-headers'] ?? 'authorization, content-type',
    'access-control-expose-headers': '*',
    'access-control-max-age': '600',
  };
}

function send(req, res, status, body, headers = {}) {
  const bytes = typeof body === 'string' ? Buffer.from(body) : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  res.writeHead(status, { ...cors(req), 'content-length': bytes.length, ...headers });
  res.end(bytes);
}

function sendJson(req, res, status, value, headers = {}) {
  send(req, res, status, JSON.stringify(value), { 'content-type': 'application/json', ...headers });
}

async function readJson(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

function sseEvent(pcm) {
  return `data: ${JSON.stringify({ data: { object: 'audio.tts.chunk', model: 'cartesia/sonic', b64: toBase64(pcm) } })}\n\n`;
}

async function speech(req, res) {
  const request = await readJson(req);
  if (request.voice === BAD_VOICE) {
    return sendJson(
      req,
      res,
      400,
      {
        error: {
          message: `unknown voice ${BAD_VOICE}`,
          type: 'invalid_request_error',
          param: 'voice',
          code: null,
        },
      },
      { 'x-request-id': 'req-400' },
    );
  }
  if (!request.stream) return send(req, res, 200, SPEECH_BYTES(), { 'content-type': 'audio/wav' });
  res.writeHead(200, {
    ...cors(req),
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
  });
  const chunks = PCM_CHUNKS();
  if (request.input === STALL_INPUT) {
    // One event, then nothing until the client gives up (the server closes it after a minute at most).
    res.write(sseEvent(chunks[0]));
    const timer = setTimeout(() => res.destroy(), 60_000);
    res.on('close', () => clearTimeout(timer));
    return;
  }
  if (request.input === SLOW_INPUT) {
    for (let event = 0; event < SLOW_EVENTS; event++) {
      if (res.destroyed) return;
      res.write(sseEvent(chunks[event % chunks.length]));
      await new Promise((resolve) => setTimeout(resolve, SLOW_GAP_MS));
    }
    return res.end('data: [DONE]\n\n');
  }
  for (const chunk of chunks) res.write(sseEvent(chunk));
  res.end('data: [DONE]\n\n');
}

function transcription(req, res) {
  const seen = { fields: {} };
  const parser = busboy({ headers: req.headers });
  parser.on('field', (name, value) => (seen.fields[name] = value));
  parser.on('file', (_field, stream, info) => {
    const hash = createHash('sha256');
    let size = 0;
    stream.on('data', (chunk) => {
      hash.update(chunk);
      size += chunk.length;
    });
    stream.on('end', () => Object.assign(seen, { size, sha256: hash.digest('hex'), filename: info.filename }));
  });
  parser.on('close', () => sendJson(req, res, 200, { text: JSON.stringify({ ...seen, model: seen.fields.model }) }));
  parser.on('error', (error) =>
    sendJson(req, res, 400, {
      error: { message: `bad multipart body: ${/** @type {Error} */ (error).message}`, type: 'invalid_request_error' },
    }),
  );
  req.pipe(parser);
}

const routes = {
  'POST /v1/audio/speech': speech,
  'POST /v1/audio/transcriptions': transcription,
  'GET /v1/voices': (req, res) => sendJson(req, res, 200, VOICES),
};

/**
 * Realtime text to speech on /v1/audio/speech/websocket, as Together documents it: the key in the
 * Authorization header or, for platform WebSockets, in `api_key`; each committed context answered
 * with PCM_CHUNKS as base64 deltas, then done, all carrying the context_id.
 */
function attachRealtime(server) {
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    const key = req.headers.authorization?.replace(/^Bearer /, '') ?? url.searchParams.get('api_key');
    if (url.pathname !== '/v1/audio/speech/websocket' || key !== API_KEY) {
      socket.end(
        'HTTP/1.1 401 Unauthorized\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n{"error":{"message":"bad key","type":"invalid_api_key"}}',
      );
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const send = (event) => ws.send(JSON.stringify(event));
      send({
        type: 'session.created',
        session: { id: 'runtime-tts', object: 'realtime.tts.session', model: url.searchParams.get('model') ?? 'hexgrad/Kokoro-82M' },
      });
      ws.on('message', (data) => {
        const event = JSON.parse(String(data));
        if (event.type !== 'input_text_buffer.commit') return;
        const context = event.context_id === undefined ? {} : { context_id: event.context_id };
        for (const chunk of PCM_CHUNKS()) send({ type: 'conversation.item.audio_output.delta', item_id: 'tts_1', delta: toBase64(chunk), ...context });
        send({ type: 'conversation.item.audio_output.done', item_id: 'tts_1', ...context });
      });
    });
  });
  server.on('close', () => wss.close());
}

/** Starts the contract API; `extraRoutes` (e.g. the browser page) are served without authentication. */
export async function startContractServer(extraRoutes = {}) {
  const local = await startLocalServer(async (req, res) => {
    const path = req.url.split('?')[0];
    if (req.method === 'OPTIONS') {
      res.writeHead(204, cors(req));
      return res.end();
    }
    const open = extraRoutes[`${req.method} ${path}`];
    if (open) return open(req, res);
    const route = routes[`${req.method} ${path}`];
    if (!route)
      return sendJson(req, res, 404, {
        error: { message: `no route for ${req.method} ${path}`, type: 'not_found' },
      });
    if (req.headers.authorization !== `Bearer ${API_KEY}`) return sendJson(req, res, 401, { error: { message: 'bad key', type: 'invalid_api_key' } });
    return route(req, res);
  });
  attachRealtime(local.server);
  return local;
}
