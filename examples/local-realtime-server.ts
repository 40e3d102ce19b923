/**
 * A tiny stand-in for Together's realtime endpoints, so the realtime examples run offline:
 * `/v1/audio/speech/websocket` "speaks" each sentence as a tone (PCM s16le, 24 kHz, mono) and
 * `/v1/realtime` "transcribes" committed audio by describing it. It speaks the protocol of
 * openapi.yaml but synthesizes and recognizes nothing.
 *
 * Run alone: `node local-realtime-server.js [port]` prints its base URL.
 */
import http, { type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';
import { startLocalServer } from '../test/support/local-server.cjs';

export const LOCAL_API_KEY = 'local-example-key';

export interface LocalRealtimeServer {
  baseURL: string;
  apiKey: string;
  close(): Promise<void>;
}

const TTS_SAMPLE_RATE = 24000;
const STT_SAMPLE_RATE = 16000;
const SENTENCE_END = /[.!?]\s*$/;

export async function startLocalRealtimeServer(port = 0): Promise<LocalRealtimeServer> {
  const server = await startLocalServer((_req, res) => refuse(res, 426, 'websocket upgrade required', 'upgrade_required'), { port });
  const closeRealtime = attachRealtime(server.server);
  return {
    baseURL: server.baseURL,
    apiKey: LOCAL_API_KEY,
    async close() {
      await closeRealtime();
      await server.close();
    },
  };
}

/**
 * Serves the realtime endpoints on `server`'s websocket upgrades (so one server can also answer
 * HTTP, as `local-together-server.ts` does). Returns a function that closes the websocket server.
 */
export function attachRealtime(server: http.Server): () => Promise<void> {
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const session = url.pathname === '/v1/audio/speech/websocket' ? speechSession : url.pathname === '/v1/realtime' ? transcriptionSession : undefined;
    const refusal =
      req.headers.authorization === undefined ? [401, 'Authorization header missing', 'missing_api_key'] as const
      : req.headers.authorization !== `Bearer ${LOCAL_API_KEY}` ? [401, 'Invalid API key provided', 'invalid_api_key'] as const
      : !session ? [404, `No realtime endpoint at ${url.pathname}`, 'not_found'] as const
      : undefined;
    if (refusal || !session) {
      const [status, message, code] = refusal ?? [404, 'not found', 'not_found'];
      const body = JSON.stringify({ error: { message, type: 'invalid_request_error', param: null, code } });
      socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => session(ws, url.searchParams));
  });
  return () => new Promise<void>((resolve) => wss.close(() => resolve()));
}

function speechSession(ws: WebSocket, query: URLSearchParams): void {
  let voice = query.get('voice') ?? 'tara';
  const maxPartialLength = Number(query.get('max_partial_length') ?? 250);
  let buffered = '';
  let items = 0;
  const send = (event: object) => ws.send(JSON.stringify(event));
  const speak = (text: string) => {
    if (text.trim() === '') return;
    const itemId = `tts_${++items}`;
    send({ type: 'conversation.item.input_text.received', text });
    const pcm = tone(voiceFrequency(voice), Math.min(3, 0.05 * text.length), TTS_SAMPLE_RATE);
    for (let offset = 0; offset < pcm.length; offset += TTS_SAMPLE_RATE / 5) {
      send({ type: 'conversation.item.audio_output.delta', item_id: itemId, delta: pcm.subarray(offset, offset + TTS_SAMPLE_RATE / 5).toString('base64') });
    }
    send({ type: 'conversation.item.audio_output.done', item_id: itemId });
  };
  send({ event_id: 'evt_local', type: 'session.created', session: { id: 'local-tts', object: 'realtime.tts.session', modalities: ['text', 'audio'], model: query.get('model') ?? 'hexgrad/Kokoro-82M', voice } });
  ws.on('message', (data) => {
    const event = JSON.parse(String(data)) as { type: string; text?: string; session?: { voice?: string } };
    if (event.type === 'input_text_buffer.append') {
      buffered += event.text ?? '';
      if (SENTENCE_END.test(buffered) || buffered.length > maxPartialLength) {
        speak(buffered);
        buffered = '';
      }
    } else if (event.type === 'input_text_buffer.commit') {
      speak(buffered);
      buffered = '';
    } else if (event.type === 'input_text_buffer.clear') {
      buffered = '';
    } else if (event.type === 'tts_session.updated') {
      voice = event.session?.voice ?? voice;
    } else {
      send({ type: 'conversation.item.tts.failed', error: { message: `Unknown event type ${event.type}`, type: 'invalid_request_error', param: 'type', code: 'unknown_event' } });
    }
  });
}

function transcriptionSession(ws: WebSocket, query: URLSearchParams): void {
  const send = (event: object) => ws.send(JSON.stringify(event));
  const fail = (message: string, code: string) =>
    send({ type: 'conversation.item.input_audio_transcription.failed', error: { message, type: 'invalid_request_error', param: null, code } });
  if (query.get('input_audio_format') !== 'pcm_s16le_16000') {
    fail('Unsupported audio format; use pcm_s16le_16000', 'unsupported_audio_format');
    ws.close(1000);
    return;
  }
  let audio: Buffer[] = [];
  send({ type: 'session.created', session: { id: 'local-stt', object: 'realtime.session', modalities: ['audio'], model: query.get('model') } });
  ws.on('message', (data) => {
    const event = JSON.parse(String(data)) as { type: string; audio?: string; session?: unknown };
    if (event.type === 'input_audio_buffer.append') {
      audio.push(Buffer.from(event.audio ?? '', 'base64'));
    } else if (event.type === 'input_audio_buffer.commit') {
      const pcm = Buffer.concat(audio);
      audio = [];
      const seconds = (pcm.length / 2 / STT_SAMPLE_RATE).toFixed(2);
      send({ type: 'conversation.item.input_audio_transcription.delta', delta: 'I heard ' });
      send({ type: 'conversation.item.input_audio_transcription.completed', transcript: `I heard ${seconds} seconds of audio.` });
    } else if (event.type === 'transcription_session.updated') {
      send({ type: 'transcription_session.updated', session: event.session });
    } else {
      fail(`Unknown event type ${event.type}`, 'unknown_event');
    }
  });
}

/** A sine tone as PCM s16le mono. */
export function tone(frequency: number, seconds: number, sampleRate: number): Buffer {
  const samples = Math.round(seconds * sampleRate);
  const pcm = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i += 1) pcm.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * frequency * i) / sampleRate)), i * 2);
  return pcm;
}

function voiceFrequency(voice: string): number {
  let sum = 0;
  for (const char of voice) sum += char.charCodeAt(0);
  return 220 + (sum % 220);
}

function refuse(res: http.ServerResponse, status: number, message: string, code: string): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: { message, type: 'invalid_request_error', param: null, code } }));
}

// Run directly (not when imported, nor when bundled into another example's script).
if (/local-realtime-server\.[cm]?[jt]s$/.test(process.argv[1] ?? '')) {
  void startLocalRealtimeServer(Number(process.argv[2] ?? 0)).then((local) => {
    console.log(`Local realtime server at ${local.baseURL} (its key is LOCAL_API_KEY in this file); Ctrl-C to stop.`);
  });
}
