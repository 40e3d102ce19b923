/**
 * A tiny stand-in for Together's realtime endpoints, so the realtime examples run offline. It speaks
 * the protocol as Together documents it (docs/realtime.md) but synthesizes and recognizes nothing:
 * `/v1/audio/speech/websocket` "speaks" each sentence as a tone (raw PCM s16le, mono, at the
 * session's sample_rate), per context, with word timestamps when alignment=word;
 * `/v1/realtime` "transcribes" audio by describing it, on commit, or per max_speech_duration_s
 * of audio while server VAD is on.
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

const STT_SAMPLE_RATE = 16000;
const SENTENCE_END = /[.!?]\s*$/;
const MAX_CONTEXTS = 100;

type ClientEvent = { type: string; context_id?: string; text?: string; audio?: string; session?: Record<string, unknown> };

export async function startLocalRealtimeServer(port = 0): Promise<LocalRealtimeServer> {
  const server = await startLocalServer(
    (_req, res) => {
      res.writeHead(426, { 'content-type': 'application/json' });
      res.end(JSON.stringify(errorBody('websocket upgrade required', 'upgrade_required')));
    },
    { port },
  );
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
  const wss = new WebSocketServer({ noServer: true, handleProtocols: (offered) => (offered.has('realtime') ? 'realtime' : false) });
  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const session = url.pathname === '/v1/audio/speech/websocket' ? speechSession : url.pathname === '/v1/realtime' ? transcriptionSession : undefined;
    const key = apiKeyOf(req, url);
    const refusal =
      key === undefined ? ([401, 'Authorization header missing', 'missing_api_key'] as const)
      : key !== LOCAL_API_KEY ? ([401, 'Invalid API key provided', 'invalid_api_key'] as const)
      : !session ? ([404, `No realtime endpoint at ${url.pathname}`, 'not_found'] as const)
      : url.pathname === '/v1/realtime' && url.searchParams.get('input_audio_format') !== 'pcm_s16le_16000' ? ([400, 'Unsupported audio format; use pcm_s16le_16000', 'unsupported_audio_format'] as const)
      : undefined;
    if (refusal || !session) {
      const [status, message, code] = refusal ?? [404, 'not found', 'not_found'];
      const body = JSON.stringify(errorBody(message, code));
      socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => session(ws, url.searchParams));
  });
  return () => new Promise<void>((resolve) => wss.close(() => resolve()));
}

/** Together's auth: the Bearer header; for browsers `?api_key=` (TTS) or an `openai-insecure-api-key.` subprotocol (STT). */
function apiKeyOf(req: IncomingMessage, url: URL): string | undefined {
  if (req.headers.authorization !== undefined) return req.headers.authorization.replace(/^Bearer /, '');
  if (url.searchParams.has('api_key')) return url.searchParams.get('api_key') ?? undefined;
  const protocols = String(req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
  return protocols.find((p) => p.startsWith('openai-insecure-api-key.'))?.slice('openai-insecure-api-key.'.length);
}

function speechSession(ws: WebSocket, query: URLSearchParams): void {
  const settings: Record<string, unknown> = {
    voice: query.get('voice') ?? 'tara',
    max_partial_length: Number(query.get('max_partial_length') ?? 250),
    sample_rate: Number(query.get('sample_rate') ?? 24000),
    response_format: query.get('response_format') ?? 'pcm',
    alignment: query.get('alignment') ?? 'none',
    speed: Number(query.get('speed') ?? 1),
  };
  const buffers = new Map<string, string>();
  let items = 0;
  const send = (event: object) => ws.send(JSON.stringify(event));
  const speak = (contextId: string, text: string) => {
    if (text.trim() === '') return;
    const context = contextId === 'default' ? {} : { context_id: contextId };
    if (settings.response_format !== 'pcm') {
      send({ type: 'conversation.item.tts.failed', ...context, error: { message: `The local server speaks only pcm, not ${String(settings.response_format)}`, type: 'invalid_request_error', param: 'response_format', code: 'unsupported_format' } });
      return;
    }
    const itemId = `tts_${++items}`;
    const sampleRate = settings.sample_rate as number;
    const seconds = Math.min(3, (0.05 * text.length) / (settings.speed as number));
    const pcm = tone(voiceFrequency(String(settings.voice)), seconds, sampleRate);
    send({ type: 'conversation.item.input_text.received', text, ...context });
    for (let offset = 0; offset < pcm.length; offset += sampleRate / 5) {
      send({ type: 'conversation.item.audio_output.delta', item_id: itemId, delta: pcm.subarray(offset, offset + sampleRate / 5).toString('base64'), ...context });
    }
    if (settings.alignment === 'word') {
      const words = text.trim().split(/\s+/);
      const step = seconds / words.length;
      send({ type: 'conversation.item.word_timestamps', item_id: itemId, words, start_seconds: words.map((_, i) => i * step), end_seconds: words.map((_, i) => (i + 1) * step), ...context });
    }
    send({ type: 'conversation.item.audio_output.done', item_id: itemId, ...context });
  };
  send({ event_id: 'evt_local', type: 'session.created', session: { id: 'local-tts', object: 'realtime.tts.session', modalities: ['text', 'audio'], model: query.get('model') ?? 'hexgrad/Kokoro-82M', voice: settings.voice } });
  ws.on('message', (data, isBinary) => {
    if (isBinary) return ws.close(1000);
    const event = JSON.parse(String(data)) as ClientEvent;
    const contextId = event.context_id ?? 'default';
    if (!buffers.has(contextId) && buffers.size >= MAX_CONTEXTS && event.type !== 'context.cancel') {
      send({ type: 'error', context_id: contextId, error: { message: `At most ${MAX_CONTEXTS} contexts per socket`, type: 'invalid_request_error', param: 'context_id', code: 'too_many_contexts' } });
      return;
    }
    if (event.type === 'input_text_buffer.append') {
      const text = (buffers.get(contextId) ?? '') + (event.text ?? '');
      if (SENTENCE_END.test(text) || text.length > (settings.max_partial_length as number)) {
        speak(contextId, text);
        buffers.set(contextId, '');
      } else buffers.set(contextId, text);
    } else if (event.type === 'input_text_buffer.commit') {
      speak(contextId, buffers.get(contextId) ?? '');
      buffers.delete(contextId);
    } else if (event.type === 'input_text_buffer.clear') {
      buffers.set(contextId, '');
    } else if (event.type === 'context.cancel') {
      buffers.delete(contextId);
      send({ type: 'context.cancelled', context_id: contextId });
    } else if (event.type === 'tts_session.updated') {
      Object.assign(settings, event.session);
    } else {
      send({ type: 'error', error: { message: `Unknown event type ${event.type}`, type: 'invalid_request_error', param: 'type', code: 'unknown_event' } });
    }
  });
}

function transcriptionSession(ws: WebSocket, query: URLSearchParams): void {
  const send = (event: object) => ws.send(JSON.stringify(event));
  let vad = query.get('turn_detection') !== 'none';
  let maxSpeechBytes = Number(query.get('max_speech_duration_s') ?? 5) * STT_SAMPLE_RATE * 2;
  let audio: Buffer[] = [];
  let bytes = 0;
  let items = 0;
  const transcribe = () => {
    if (bytes === 0) return;
    const itemId = `item_${++items}`;
    const seconds = (bytes / 2 / STT_SAMPLE_RATE).toFixed(2);
    audio = [];
    bytes = 0;
    // Each delta is the whole partial text so far, not an increment.
    send({ type: 'conversation.item.input_audio_transcription.delta', item_id: itemId, delta: 'I heard' });
    send({ type: 'conversation.item.input_audio_transcription.delta', item_id: itemId, delta: `I heard ${seconds}` });
    send({ type: 'conversation.item.input_audio_transcription.completed', item_id: itemId, transcript: `I heard ${seconds} seconds of audio.` });
  };
  send({ type: 'session.created', session: { id: 'local-stt', object: 'realtime.session', modalities: ['audio'], model: query.get('model') } });
  ws.on('message', (data, isBinary) => {
    if (isBinary) return ws.close(1000);
    const event = JSON.parse(String(data)) as ClientEvent;
    if (event.type === 'input_audio_buffer.append') {
      const pcm = Buffer.from(event.audio ?? '', 'base64');
      audio.push(pcm);
      bytes += pcm.length;
      if (vad && bytes >= maxSpeechBytes) transcribe();
    } else if (event.type === 'input_audio_buffer.commit') {
      transcribe();
    } else if (event.type === 'input_audio_buffer.clear') {
      audio = [];
      bytes = 0;
    } else if (event.type === 'transcription_session.updated') {
      const detection = event.session?.turn_detection as { max_speech_duration_s?: number } | null | undefined;
      if (detection !== undefined) vad = detection !== null;
      if (detection?.max_speech_duration_s) maxSpeechBytes = detection.max_speech_duration_s * STT_SAMPLE_RATE * 2;
      send({ type: 'transcription_session.updated', session: event.session });
    } else {
      send({ type: 'conversation.item.input_audio_transcription.failed', event_type: event.type, error: { message: `Unknown event type ${event.type}`, type: 'invalid_request_error', param: 'type', code: 'unknown_event' } });
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

function errorBody(message: string, code: string): { error: { message: string; type: string; param: null; code: string } } {
  return { error: { message, type: 'invalid_request_error', param: null, code } };
}

// Run directly (not when imported, nor when bundled into another example's script).
if (/local-realtime-server\.[cm]?[jt]s$/.test(process.argv[1] ?? '')) {
  void startLocalRealtimeServer(Number(process.argv[2] ?? 0)).then((local) => {
    console.log(`Local realtime server at ${local.baseURL} (its key is LOCAL_API_KEY in this file); Ctrl-C to stop.`);
  });
}
