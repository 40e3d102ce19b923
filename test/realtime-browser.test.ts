import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { FakeRealtime } from './support/fake-realtime';

// The platform WebSocket path for real: a child Node whose global WebSocket (undici's) talks to the
// fake server over a socket, with Together's browser auth. Node 20 needs --experimental-websocket;
// a Node without a WebSocket fails this test, never skips it.

const root = path.join(__dirname, '..');
const bundle = path.join(root, 'node_modules/.cache/realtime-platform-test/client.js');
let fake: FakeRealtime;

beforeAll(async () => {
  await build({
    entryPoints: [path.join(__dirname, 'support/platform-websocket-client.ts')],
    bundle: true,
    platform: 'node',
    target: 'node20',
    packages: 'external',
    // No Buffer, as in a browser (Node's own undici still needs the real global, so it stays defined at run time).
    define: { Buffer: 'undefined', 'globalThis.Buffer': 'undefined' },
    outfile: bundle,
    logLevel: 'warning',
  });
});

beforeEach(async () => {
  fake = await FakeRealtime.start();
});

afterEach(async () => {
  await fake.close();
  expect(fake.violations).toEqual([]);
});

test('in a browser-like runtime the platform WebSocket is used, opt-in, with ?api_key= for TTS and subprotocols for STT', async () => {
  const pcm = Buffer.from([1, 0, 2, 0, 3, 0]);
  fake.onSession('/audio/speech/websocket', async (peer) => {
    peer.send({ type: 'session.created', session: { id: 'browser_tts' } });
    const { event } = await peer.until('input_text_buffer.commit');
    if (peer.url.searchParams.get('voice') === 'flood') {
      for (let i = 0; i < 40; i += 1) peer.send({ type: 'conversation.item.audio_output.delta', item_id: 'tts_1', delta: Buffer.alloc(16 * 1024).toString('base64'), context_id: event.context_id });
      return;
    }
    peer.send({ type: 'conversation.item.audio_output.delta', item_id: 'tts_1', delta: pcm.toString('base64'), context_id: event.context_id });
    peer.send({ type: 'conversation.item.audio_output.done', item_id: 'tts_1', context_id: event.context_id });
  });
  fake.onSession('/realtime', async (peer) => {
    peer.send({ type: 'session.created', session: { id: 'browser_stt' } });
    const { before } = await peer.until('input_audio_buffer.commit');
    // Encoded without Buffer, byte for byte.
    expect(before).toEqual([{ type: 'input_audio_buffer.append', audio: Buffer.alloc(3200, 1).toString('base64') }]);
    peer.send({ type: 'conversation.item.input_audio_transcription.completed', transcript: 'heard the browser' });
  });
  const flags = process.versions.node.split('.')[0] === '20' ? ['--experimental-websocket'] : [];
  const { stdout } = await promisify(execFile)(process.execPath, [...flags, bundle, fake.baseURL, fake.apiKey], { cwd: root, timeout: 20_000 });
  const result = JSON.parse(stdout.trim().split('\n').pop() ?? '{}');

  expect(result.refusedWithoutOptIn).toMatch(/^TogetherAudioError: .*dangerouslyAllowBrowser: true/);
  expect(result.refusedWithoutOptIn).not.toContain(fake.apiKey);
  expect(Buffer.from(result.ttsAudio, 'base64').equals(pcm)).toBe(true);
  expect(result.chunkTypes).toEqual(['Uint8Array']); // decoded without Buffer
  expect(result.transcript).toBe('heard the browser');
  expect(result.wrongKey).toMatch(/^APIConnectionError: Could not open the realtime connection to ws:\/\/127\.0\.0\.1:\d+\/v1\/audio\/speech\/websocket/);
  expect(result.wrongKey).not.toContain('wrong-key-in-browser');
  expect(result.overflow).toBe('RealtimeOverflowError');
  expect(result.constructed).toEqual(['/v1/audio/speech/websocket', '/v1/realtime', '/v1/audio/speech/websocket', '/v1/audio/speech/websocket']);

  const [tts, stt] = fake.upgrades;
  expect(tts.headers.authorization).toBeUndefined();
  expect(tts.url.searchParams.get('api_key')).toBe(fake.apiKey);
  expect(tts.url.searchParams.get('voice')).toBe('tara');
  expect(stt.headers.authorization).toBeUndefined();
  expect(stt.headers['sec-websocket-protocol']).toBe(`realtime, openai-insecure-api-key.${fake.apiKey}, openai-beta.realtime-v1`);
  expect(Object.fromEntries(stt.url.searchParams)).toEqual({ model: 'openai/whisper-large-v3', input_audio_format: 'pcm_s16le_16000', turn_detection: 'none', intent: 'transcription' });
});
