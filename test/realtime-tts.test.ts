import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { inspect } from 'node:util';
import {
  APIConnectionError,
  APITimeoutError,
  AuthenticationError,
  BadRequestError,
  MissingApiKeyError,
  PermissionDeniedError,
  RealtimeClosedError,
  RealtimeError,
  RealtimeProtocolError,
  RealtimeTTS,
  TogetherAudio,
  TogetherAudioError,
  realtimeURL,
} from '../src';
import { errorData, FakeRealtime } from './support/fake-realtime';
import { useFakeRealtime } from './support/realtime-session';
import { collectAudio as collect, sessionCreated, speakItem } from './support/tts-script';
import { parseWav } from './support/wav-reader';
import { WebSocket } from 'ws';

const TTS = '/audio/speech/websocket';
const SETTLE_MS = 200;
const { fake, tts: connect } = useFakeRealtime();

test('realtimeURL turns the http(s) base URL into ws(s) and keeps the /v1 path', () => {
  expect(realtimeURL('https://api.together.ai/v1', TTS, { model: 'hexgrad/Kokoro-82M', voice: undefined }).href).toBe(
    'wss://api.together.ai/v1/audio/speech/websocket?model=hexgrad%2FKokoro-82M',
  );
  expect(realtimeURL('http://127.0.0.1:8080/v1/', '/realtime').href).toBe('ws://127.0.0.1:8080/v1/realtime');
  expect(() => realtimeURL('ftp://example.com/v1', '/realtime')).toThrow(/http\(s\)/);
});

test('connects with the query parameters and Bearer key, and speaks text into PCM equal to what the server encoded', async () => {
  const first = randomBytes(24000 * 2);
  const second = randomBytes(7201 * 2);
  fake.onSession(TTS, async (peer) => {
    sessionCreated(peer, 'af_alloy');
    const { before } = await peer.until('input_text_buffer.commit');
    expect(before).toEqual([{ type: 'input_text_buffer.append', text: 'Hello there. How are you?', context_id: expect.any(String) }]);
    peer.send({ type: 'conversation.item.input_text.received', text: 'Hello there.' });
    speakItem(peer, 'tts_1', first);
    peer.send({ type: 'conversation.item.input_text.received', text: 'How are you?' });
    speakItem(peer, 'tts_2', second, 4000);
  });
  const tts = await connect({ model: 'hexgrad/Kokoro-82M', voice: 'af_alloy', maxPartialLength: 120 });
  expect(tts.session).toEqual(expect.objectContaining({ id: 'sess_1', voice: 'af_alloy' }));

  const pcm = await collect(tts.speak('Hello there. How are you?', { settleMs: SETTLE_MS }));
  expect(pcm.equals(Buffer.concat([first, second]))).toBe(true);
  await fake.scriptsFinished();
  await tts.close();

  const [upgrade] = fake.upgrades;
  expect(upgrade.url.pathname).toBe('/v1/audio/speech/websocket');
  expect(Object.fromEntries(upgrade.url.searchParams)).toEqual({ model: 'hexgrad/Kokoro-82M', voice: 'af_alloy', max_partial_length: '120' });
  expect(upgrade.headers.authorization).toBe(`Bearer ${fake.apiKey}`);
});

test('writes an async iterable of text pieces (an LLM stream) to a WAV file of s16le 24 kHz mono', async () => {
  const pcm = randomBytes(9600 * 2);
  const pieces = ['The quick ', '', 'brown fox', ' jumps.'];
  fake.onSession(TTS, async (peer) => {
    sessionCreated(peer);
    const { before } = await peer.until('input_text_buffer.commit');
    expect(before).toEqual(pieces.filter((p) => p !== '').map((text) => ({ type: 'input_text_buffer.append', text, context_id: expect.any(String) })));
    speakItem(peer, 'tts_1', pcm, 3000);
  });
  async function* llm(): AsyncGenerator<string> {
    for (const piece of pieces) yield piece;
  }
  const dir = await mkdtemp(path.join(tmpdir(), 'realtime-tts-'));
  try {
    const tts = await connect();
    const file = path.join(dir, 'speech.wav');
    const result = await tts.writeWav(file, llm(), { settleMs: SETTLE_MS });
    await tts.close();
    const bytes = await readFile(file);
    const wav = parseWav(bytes);
    expect(wav).toEqual(expect.objectContaining({ formatTag: 1, channels: 1, sampleRate: 24000, bitsPerSample: 16, dataSize: pcm.length }));
    expect(bytes.subarray(wav.dataOffset).equals(pcm)).toBe(true);
    expect(result.bytes).toBe((await stat(file)).size);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('text pieces that are only whitespace are sent, and speak() ends without waiting for audio', async () => {
  fake.onSession(TTS, async (peer) => {
    sessionCreated(peer);
    const { before } = await peer.until('input_text_buffer.commit');
    expect(before).toEqual([' ', '\n'].map((text) => ({ type: 'input_text_buffer.append', text, context_id: expect.any(String) })));
  });
  const tts = await connect();
  expect((await collect(tts.speak([' ', '', '\n']))).length).toBe(0);
  await fake.scriptsFinished();
  await tts.close();
});

test('the event API sends clear and tts_session.updated and yields every server event in order', async () => {
  const pcm = randomBytes(480);
  fake.onSession(TTS, async (peer) => {
    sessionCreated(peer);
    expect(await peer.next()).toEqual({ type: 'input_text_buffer.append', text: 'Never mind' });
    expect(await peer.next()).toEqual({ type: 'input_text_buffer.clear' });
    expect(await peer.next()).toEqual({ type: 'tts_session.updated', session: { voice: 'af_heart' } });
    expect(await peer.next()).toEqual({ type: 'input_text_buffer.append', text: 'Hi.' });
    peer.send({ type: 'conversation.item.input_text.received', text: 'Hi.' });
    speakItem(peer, 'tts_1', pcm);
    peer.socket.close(1000, 'bye');
  });
  const tts = await connect();
  await tts.append('Never mind');
  await tts.clear();
  await tts.updateSession({ voice: 'af_heart' });
  await tts.append('Hi.');
  const types: string[] = [];
  for await (const event of tts) {
    types.push(event.type);
    if (event.type === 'conversation.item.audio_output.delta') expect(Buffer.from(event.delta, 'base64').equals(pcm)).toBe(true);
  }
  expect(types).toEqual(['conversation.item.input_text.received', 'conversation.item.audio_output.delta', 'conversation.item.audio_output.done']);
  await fake.scriptsFinished();
  await tts.close();
});

test('a reader slower than the server pauses the socket once maxQueuedBytes are unread, and resumes it without losing an event', async () => {
  const pcm = randomBytes(1200 * 2 * 1000);
  fake.onSession(TTS, async (peer) => {
    sessionCreated(peer);
    await peer.until('input_text_buffer.commit');
    speakItem(peer, 'tts_1', pcm, 2400);
  });
  const pause = jest.spyOn(WebSocket.prototype, 'pause');
  const resume = jest.spyOn(WebSocket.prototype, 'resume');
  try {
    const tts = await connect({ maxQueuedBytes: 256 * 1024 });
    const received: Buffer[] = [];
    for await (const chunk of tts.speak('A very long text.', { settleMs: SETTLE_MS })) {
      received.push(chunk);
      await new Promise((resolve) => setTimeout(resolve, 1)); // one event per turn of the event loop
    }
    expect(Buffer.concat(received).equals(pcm)).toBe(true);
    expect(pause).toHaveBeenCalled();
    expect(resume).toHaveBeenCalled();
    await tts.close();
  } finally {
    pause.mockRestore();
    resume.mockRestore();
  }
});

test('conversation.item.tts.failed is thrown as RealtimeError with code, type and param; the session goes on', async () => {
  fake.onSession(TTS, async (peer) => {
    sessionCreated(peer);
    await peer.until('input_text_buffer.commit');
    peer.send({ type: 'conversation.item.tts.failed', error: { message: 'Text could not be synthesized', type: 'invalid_request_error', param: 'text', code: 'invalid_text' } });
    await peer.until('input_text_buffer.commit');
    speakItem(peer, 'tts_2', Buffer.from([1, 2, 3, 4]));
  });
  const tts = await connect();
  const failure = await collect(tts.speak('%%%', { settleMs: SETTLE_MS })).catch((error: unknown) => error);
  expect(failure).toBeInstanceOf(RealtimeError);
  expect(failure).toBeInstanceOf(TogetherAudioError);
  expect(failure).toMatchObject({ code: 'invalid_text', type: 'invalid_request_error', param: 'text', message: expect.stringContaining('Text could not be synthesized') });
  expect((await collect(tts.speak('Fine.', { settleMs: SETTLE_MS }))).equals(Buffer.from([1, 2, 3, 4]))).toBe(true);
  await tts.close();
});

test.each([
  ['invalid_api_key', 'Invalid API key provided'],
  ['model_not_available', 'Model cartesia/sonic-english is not available'],
])('a %s failure instead of session.created rejects connect with RealtimeError and closes the socket', async (code, message) => {
  fake.onSession(TTS, async (peer) => {
    peer.send({ type: 'conversation.item.tts.failed', error: { message, type: 'invalid_request_error', param: null, code } });
    expect((await peer.closed).code).toBe(1000);
  });
  const failure = await connect().catch((error: unknown) => error);
  expect(failure).toBeInstanceOf(RealtimeError);
  expect(failure).toMatchObject({ code, message: expect.stringContaining(message) });
  await fake.scriptsFinished();
});

test('a refused upgrade surfaces the status and the server message, never the key', async () => {
  const wrongKey = 'sk-wrong-key-must-not-leak-42';
  const failure = await RealtimeTTS.connect({ apiKey: wrongKey, baseURL: fake.baseURL }).catch((error: unknown) => error);
  expect(failure).toBeInstanceOf(AuthenticationError);
  expect(failure).toMatchObject({ status: 401, code: 'invalid_api_key', message: expect.stringContaining('Invalid API key provided') });
  for (const text of [String(failure), (failure as Error).stack ?? '', inspect(failure, { depth: 10 }), JSON.stringify(failure)]) {
    expect(text).not.toContain(wrongKey);
  }

  fake.refuse(TTS, { status: 400, body: errorData('Model hexgrad/Kokoro-82M is not available', 'model_not_available', 'model') });
  const refused = await connect().catch((error: unknown) => error);
  expect(refused).toBeInstanceOf(BadRequestError);
  expect(refused).toMatchObject({ status: 400, code: 'model_not_available', param: 'model' });
});

test('a refused upgrade whose body echoes the key never shows it: one redaction, as for HTTP', async () => {
  fake.refuse(TTS, { status: 403, body: errorData(`Key Bearer ${fake.apiKey} may not use this model`, 'permission_denied') });
  const refused = await connect().catch((error: unknown) => error);
  expect(refused).toBeInstanceOf(PermissionDeniedError);
  expect((refused as Error).message).toContain('Key Bearer [redacted] may not use this model');
  for (const text of [String(refused), inspect(refused, { depth: 10 }), JSON.stringify(refused)]) expect(text).not.toContain(fake.apiKey);
});

test('a server that cannot be reached gives APIConnectionError without the key', async () => {
  const unreachable = await FakeRealtime.start();
  const baseURL = unreachable.baseURL;
  await unreachable.close();
  const failure = await RealtimeTTS.connect({ apiKey: 'sk-unreachable-secret', baseURL }).catch((error: unknown) => error);
  expect(failure).toBeInstanceOf(APIConnectionError);
  expect((failure as Error).message).toMatch(/Could not open the realtime connection to ws:\/\/127\.0\.0\.1:\d+\/v1\/audio\/speech\/websocket: .*ECONNREFUSED/);
  expect(inspect(failure, { depth: 10 })).not.toContain('sk-unreachable-secret');
});

test('an abrupt close mid-stream yields the audio that arrived, then RealtimeClosedError', async () => {
  const pcm = randomBytes(4800 * 3);
  fake.onSession(TTS, async (peer) => {
    sessionCreated(peer);
    await peer.until('input_text_buffer.commit');
    for (let offset = 0; offset < pcm.length; offset += 4800) {
      await peer.sendFlushed({ type: 'conversation.item.audio_output.delta', item_id: 'tts_1', delta: pcm.subarray(offset, offset + 4800).toString('base64') });
    }
    peer.socket.terminate();
  });
  const tts = await connect();
  const received: Buffer[] = [];
  const failure = await (async () => {
    for await (const chunk of tts.speak('A long story.', { settleMs: SETTLE_MS })) received.push(chunk);
  })().catch((error: unknown) => error);
  expect(failure).toBeInstanceOf(RealtimeClosedError);
  expect(failure).toMatchObject({ closeCode: 1006 });
  expect(Buffer.concat(received).equals(pcm)).toBe(true);
  await expect(tts.append('more')).rejects.toBeInstanceOf(RealtimeClosedError);
  await tts.close();
});

test('writeFile to a path that cannot be written fails with the file error before any text is sent', async () => {
  let session!: Promise<unknown[]>;
  fake.onSession(TTS, (peer) => {
    sessionCreated(peer);
    session = new Promise((resolve) => peer.socket.once('close', () => resolve(peer.received.map((message) => message.type))));
  });
  const tts = await connect();
  const target = path.join(tmpdir(), 'no-such-dir-realtime-tts', 'speech.pcm');
  await expect(tts.writeFile(target, 'Hello.')).rejects.toMatchObject({ code: 'ENOENT' });
  await tts.close();
  expect(await session).not.toContain('input_text_buffer.append');
});

test('writeFile with text it refuses rejects with that TypeError and leaves no file', async () => {
  fake.onSession(TTS, (peer) => sessionCreated(peer));
  const dir = await mkdtemp(path.join(tmpdir(), 'realtime-tts-refused-'));
  try {
    const tts = await connect();
    const target = path.join(dir, 'speech.pcm');
    await expect(tts.writeFile(target, 42 as never)).rejects.toBeInstanceOf(TypeError);
    await expect(stat(target)).rejects.toMatchObject({ code: 'ENOENT' });
    await tts.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('writeFile removes the partial file when the connection breaks mid-turn', async () => {
  fake.onSession(TTS, async (peer) => {
    sessionCreated(peer);
    await peer.until('input_text_buffer.commit');
    await peer.sendFlushed({ type: 'conversation.item.audio_output.delta', item_id: 'tts_1', delta: randomBytes(4800).toString('base64') });
    peer.socket.terminate();
  });
  const dir = await mkdtemp(path.join(tmpdir(), 'realtime-tts-partial-'));
  try {
    const tts = await connect();
    const target = path.join(dir, 'speech.pcm');
    await expect(tts.writeFile(target, 'A long story.', { settleMs: SETTLE_MS })).rejects.toBeInstanceOf(RealtimeClosedError);
    await expect(stat(target)).rejects.toMatchObject({ code: 'ENOENT' });
    await tts.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('wavStream gives an open-ended WAV header, then the PCM as it arrives', async () => {
  const pcm = randomBytes(2400 * 2);
  fake.onSession(TTS, async (peer) => {
    sessionCreated(peer);
    await peer.until('input_text_buffer.commit');
    speakItem(peer, 'tts_1', pcm, 1000);
  });
  const tts = await connect();
  const bytes = await collect(tts.wavStream('Streamed.', { settleMs: SETTLE_MS }));
  const wav = parseWav(bytes);
  expect(wav).toEqual(expect.objectContaining({ formatTag: 1, channels: 1, sampleRate: 24000, bitsPerSample: 16 }));
  expect(bytes.subarray(wav.dataOffset).equals(pcm)).toBe(true);
  await fake.scriptsFinished();
  await tts.close();
});

test('a server that closes normally before the audio is done is reported, not taken as the end', async () => {
  fake.onSession(TTS, async (peer) => {
    sessionCreated(peer);
    await peer.until('input_text_buffer.commit');
    peer.send({ type: 'conversation.item.audio_output.delta', item_id: 'tts_1', delta: 'AAAA' });
    peer.socket.close(1000, 'session over');
  });
  const tts = await connect();
  await expect(collect(tts.speak('Hello.', { settleMs: SETTLE_MS }))).rejects.toMatchObject({
    name: 'RealtimeClosedError',
    closeCode: 1000,
    message: expect.stringContaining('before the audio was done'),
  });
  // The session is over: a new turn says so instead of waiting.
  await expect(collect(tts.speak('More.'))).rejects.toMatchObject({ name: 'RealtimeClosedError', closeCode: 1000, reason: 'session over' });
  await tts.close();
});

test('close() resolves once the socket has closed with code 1000; later sends are refused', async () => {
  let closeCode: Promise<number> | undefined;
  fake.onSession(TTS, (peer) => {
    sessionCreated(peer);
    closeCode = peer.closed.then(({ code }) => code);
  });
  const tts = await connect();
  await tts.close();
  expect(await closeCode).toBe(1000);
  await expect(tts.append('late')).rejects.toThrow(/closed/);
  await tts.close();
});

test('bad input is refused before any network I/O', async () => {
  await expect(connect({ voice: ' ' })).rejects.toThrow(/voice must be a non-empty string/);
  await expect(connect({ maxPartialLength: 0 })).rejects.toThrow(/maxPartialLength must be a positive integer/);
  await expect(RealtimeTTS.connect({ baseURL: fake.baseURL, apiKey: '' })).rejects.toBeInstanceOf(MissingApiKeyError);
  expect(fake.upgrades).toEqual([]);

  fake.onSession(TTS, (peer) => sessionCreated(peer));
  const tts = await connect();
  await expect(tts.append('')).rejects.toThrow(/non-empty string/);
  await expect(tts.append(42 as unknown as string)).rejects.toThrow(/got 42\./);
  expect(() => tts.speak('   ')).toThrow(/empty/);
  expect(() => tts.speak(7 as unknown as string)).toThrow(/iterable of strings/);
  expect(() => tts.speak('Hi.', { settleMs: -1 })).toThrow(/settleMs must be a non-negative number/);
  await expect(tts.updateSession({ voice: '' })).rejects.toThrow(/voice/);
  await tts.close();
  expect(fake.peers[0].received).toEqual([]);
});

test('together.realtime.tts() uses the client base URL and key, which inspect() never shows', async () => {
  fake.onSession(TTS, (peer) => sessionCreated(peer));
  const together = new TogetherAudio({ apiKey: fake.apiKey, baseURL: fake.baseURL });
  const tts = await together.realtime.tts({ voice: 'tara' });
  expect(fake.upgrades[0].headers.authorization).toBe(`Bearer ${fake.apiKey}`);
  expect(fake.upgrades[0].url.searchParams.get('voice')).toBe('tara');
  expect(inspect(together.realtime, { depth: 10 })).not.toContain(fake.apiKey);
  expect(inspect(tts, { depth: 10, showHidden: true })).not.toContain(fake.apiKey);
  await tts.close();
});

describe.each([
  ['echoes context_id', true],
  ['does not echo context_id', false],
])('interrupting speech, against a server that %s', (_name, echo) => {
  test('aborting speak() after 2 chunks sends context.cancel, and the next speak() gets none of the old audio', async () => {
    const old = randomBytes(4800 * 10);
    const fresh = randomBytes(4800 * 3);
    let cancelled: string | undefined;
    fake.onSession(TTS, async (peer) => {
      sessionCreated(peer);
      const first = await peer.until('input_text_buffer.commit');
      const firstContext = first.event.context_id as string;
      expect(typeof firstContext).toBe('string');
      expect(first.before).toEqual([{ type: 'input_text_buffer.append', text: 'A long story.', context_id: firstContext }]);
      const tag = (context: string) => (echo ? { context_id: context } : {});
      // The whole first item is on its way before the cancel can arrive, as on a fast network.
      for (let offset = 0; offset < old.length; offset += 4800) {
        await peer.sendFlushed({ type: 'conversation.item.audio_output.delta', item_id: 'tts_1', delta: old.subarray(offset, offset + 4800).toString('base64'), ...tag(firstContext) });
      }
      await peer.sendFlushed({ type: 'conversation.item.audio_output.done', item_id: 'tts_1', ...tag(firstContext) });
      const cancel = await peer.next();
      expect(cancel).toEqual({ type: 'context.cancel', context_id: firstContext });
      cancelled = firstContext;
      peer.send({ type: 'context.cancelled', context_id: firstContext });
      const second = await peer.until('input_text_buffer.commit');
      const secondContext = second.event.context_id as string;
      expect(secondContext).not.toBe(firstContext);
      speakItem(peer, 'tts_2', fresh, 4800, tag(secondContext));
    });
    const tts = await connect();
    const controller = new AbortController();
    const heard: Buffer[] = [];
    const interrupted = await (async () => {
      for await (const chunk of tts.speak('A long story.', { signal: controller.signal, settleMs: SETTLE_MS })) {
        heard.push(chunk);
        if (heard.length === 2) controller.abort(new Error('barge-in'));
      }
    })().catch((error: unknown) => error);
    expect(interrupted).toEqual(new Error('barge-in'));
    expect(Buffer.concat(heard).equals(old.subarray(0, 9600))).toBe(true);

    const next = await collect(tts.speak('Something else.', { settleMs: SETTLE_MS }));
    expect(next.length).toBe(fresh.length);
    expect(next.equals(fresh)).toBe(true);
    await fake.scriptsFinished();
    expect(cancelled).toBeDefined();
    await tts.close();
  });
});

test('an {"type": "error"} event rejects the turn it arrives in, and the session goes on', async () => {
  fake.onSession(TTS, async (peer) => {
    sessionCreated(peer);
    await peer.until('input_text_buffer.commit');
    peer.send({ type: 'error', error: { message: 'Synthesis backend unavailable', type: 'server_error', param: null, code: 'backend_error' } });
    await peer.until('input_text_buffer.commit');
    speakItem(peer, 'tts_2', Buffer.from([5, 6, 7, 8]));
  });
  const tts = await connect();
  const failure = await collect(tts.speak('Hello.', { settleMs: SETTLE_MS })).catch((error: unknown) => error);
  expect(failure).toBeInstanceOf(RealtimeError);
  expect(failure).toMatchObject({ code: 'backend_error', type: 'server_error', message: expect.stringContaining('Synthesis backend unavailable') });
  expect((await collect(tts.speak('Again.', { settleMs: SETTLE_MS }))).equals(Buffer.from([5, 6, 7, 8]))).toBe(true);
  await tts.close();
});

test('every documented setting goes in the query at connect and in tts_session.updated later; any model string is accepted', async () => {
  fake.onSession(TTS, async (peer) => {
    sessionCreated(peer);
    expect(await peer.next()).toEqual({
      type: 'tts_session.updated',
      session: { voice: 'leo', speed: 0.8, response_format: 'pcm', sample_rate: 16000, language: 'fr', alignment: 'none', segment: 'never', max_partial_length: 40, extra_params: { temperature: 0.3 } },
    });
  });
  const tts = await connect({
    model: 'canopylabs/orpheus-3b-0.1-ft',
    voice: 'tara',
    maxPartialLength: 120,
    responseFormat: 'mp3',
    speed: 1.25,
    sampleRate: 44100,
    language: 'en',
    alignment: 'word',
    segment: 'immediate',
    extraParams: { pronunciation_dict: { Nguyen: 'win' } },
  });
  expect(Object.fromEntries(fake.upgrades[0].url.searchParams)).toEqual({
    model: 'canopylabs/orpheus-3b-0.1-ft',
    voice: 'tara',
    max_partial_length: '120',
    response_format: 'mp3',
    speed: '1.25',
    sample_rate: '44100',
    language: 'en',
    alignment: 'word',
    segment: 'immediate',
    extra_params: JSON.stringify({ pronunciation_dict: { Nguyen: 'win' } }),
  });
  expect(tts.format).toEqual({ responseFormat: 'mp3', pcm: undefined });
  await tts.updateSession({ voice: 'leo', speed: 0.8, response_format: 'pcm', sample_rate: 16000, language: 'fr', alignment: 'none', segment: 'never', max_partial_length: 40, extra_params: { temperature: 0.3 } });
  expect(tts.format).toEqual({ responseFormat: 'pcm', pcm: { encoding: 'pcm_s16le', sampleRate: 16000, channels: 1 } });
  await fake.scriptsFinished();
  await tts.close();
});

test('the audio format flows to the WAV header; an encoded format is saved as is by writeFile and refused by writeWav and wavStream', async () => {
  const pcm = randomBytes(1600 * 2);
  const mp3 = Buffer.concat([Buffer.from('ID3'), randomBytes(5000)]);
  fake.onSession(TTS, async (peer) => {
    sessionCreated(peer);
    const wavTurn = await peer.until('input_text_buffer.commit');
    speakItem(peer, 'tts_1', pcm, 1000, { context_id: wavTurn.event.context_id });
    expect(await peer.next()).toEqual({ type: 'tts_session.updated', session: { response_format: 'mp3' } });
    const mp3Turn = await peer.until('input_text_buffer.commit');
    speakItem(peer, 'tts_2', mp3, 999, { context_id: mp3Turn.event.context_id });
  });
  const dir = await mkdtemp(path.join(tmpdir(), 'realtime-tts-format-'));
  try {
    const tts = await connect({ sampleRate: 16000 });
    const wavPath = path.join(dir, 'speech.wav');
    await tts.writeWav(wavPath, 'Sixteen kilohertz.', { settleMs: SETTLE_MS });
    const wav = parseWav(await readFile(wavPath));
    expect(wav).toEqual(expect.objectContaining({ formatTag: 1, channels: 1, sampleRate: 16000, bitsPerSample: 16, dataSize: pcm.length }));

    await tts.updateSession({ response_format: 'mp3' });
    expect(() => tts.writeWav(path.join(dir, 'no.wav'), 'Hi.')).toThrow(/writeWav needs response_format "pcm".*"mp3".*writeFile/);
    expect(() => tts.wavStream('Hi.')).toThrow(/^wavStream needs response_format "pcm".*"mp3".*writeFile/);
    const saved = await tts.writeFile(path.join(dir, 'speech.mp3'), 'Encoded.', { settleMs: SETTLE_MS });
    expect((await readFile(saved.path)).equals(mp3)).toBe(true);
    expect(saved.bytes).toBe(mp3.length);
    await fake.scriptsFinished();
    await tts.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("alignment: 'word' gives typed word timestamps with the audio of each item", async () => {
  fake.onSession(TTS, async (peer) => {
    sessionCreated(peer);
    const { event } = await peer.until('input_text_buffer.commit');
    const context = { context_id: event.context_id };
    peer.send({ type: 'conversation.item.audio_output.delta', item_id: 'tts_1', delta: Buffer.alloc(8).toString('base64'), ...context });
    peer.send({ type: 'conversation.item.word_timestamps', item_id: 'tts_1', words: ['Hello', 'world'], start_seconds: [0, 0.42], end_seconds: [0.4, 0.9], ...context });
    peer.send({ type: 'conversation.item.audio_output.done', item_id: 'tts_1', ...context });
  });
  const tts = await connect({ alignment: 'word' });
  const turn = tts.speak('Hello world.', { settleMs: SETTLE_MS });
  const parts = [];
  for await (const part of turn.parts()) parts.push(part);
  expect(parts).toEqual([
    { type: 'audio', audio: Buffer.alloc(8), itemId: 'tts_1' },
    { type: 'words', itemId: 'tts_1', words: [{ word: 'Hello', start: 0, end: 0.4, itemId: 'tts_1' }, { word: 'world', start: 0.42, end: 0.9, itemId: 'tts_1' }] },
  ]);
  expect(turn.words.map((w) => w.word)).toEqual(['Hello', 'world']);
  expect(fake.upgrades[0].url.searchParams.get('alignment')).toBe('word');
  await tts.close();
});

test('several turns are in flight at once, each in its context, and each gets only its own audio', async () => {
  const audio = [randomBytes(4800 * 4), randomBytes(4800 * 3), randomBytes(4800 * 5)];
  fake.onSession(TTS, async (peer) => {
    sessionCreated(peer);
    const contexts: string[] = [];
    while (contexts.length < 3) contexts.push((await peer.until('input_text_buffer.commit')).event.context_id as string);
    // Interleave the three contexts' deltas, as a server speaking them in parallel would.
    for (let offset = 0; offset < 4800 * 5; offset += 4800) {
      contexts.forEach((context, index) => {
        const chunk = audio[index].subarray(offset, offset + 4800);
        if (chunk.length > 0) peer.send({ type: 'conversation.item.audio_output.delta', item_id: `item_${index}`, delta: chunk.toString('base64'), context_id: context });
      });
    }
    contexts.forEach((context, index) => peer.send({ type: 'conversation.item.audio_output.done', item_id: `item_${index}`, context_id: context }));
  });
  const tts = await connect();
  const turns = ['One.', 'Two.', 'Three.'].map((text) => tts.speak(text, { settleMs: SETTLE_MS }));
  expect(new Set(turns.map((turn) => turn.contextId)).size).toBe(3);
  const results = await Promise.all(turns.map((turn) => collect(turn)));
  results.forEach((result, index) => expect(result.equals(audio[index])).toBe(true));
  await tts.close();
});

test('cancel() and leaving the loop early both send context.cancel; maxContexts makes a further turn wait for a free context', async () => {
  const cancels: unknown[] = [];
  fake.onSession(TTS, async (peer) => {
    sessionCreated(peer);
    for (let turn = 1; turn <= 3; turn += 1) {
      const { event } = await peer.until('input_text_buffer.commit');
      speakItem(peer, `tts_${turn}`, randomBytes(4800 * 4), 4800, { context_id: event.context_id });
      if (turn < 3) {
        const cancel = await peer.next();
        cancels.push(cancel);
        peer.send({ type: 'context.cancelled', context_id: cancel.context_id });
      }
    }
  });
  const tts = await connect({ maxContexts: 1 });
  const first = tts.speak('First.', { settleMs: SETTLE_MS });
  const second = tts.speak('Second.', { settleMs: SETTLE_MS });
  const firstReader = first[Symbol.asyncIterator]();
  expect((await firstReader.next()).done).toBe(false);
  // Only one context may be in flight, so the second turn waits until the first is cancelled.
  const secondReading = (async () => {
    for await (const _chunk of second) break; // leaving early cancels too
  })();
  await new Promise((resolve) => setTimeout(resolve, 100));
  expect(fake.peers[0].received.filter((event) => event.type === 'input_text_buffer.commit')).toHaveLength(1);
  await first.cancel();
  expect((await firstReader.next()).done).toBe(true);
  await secondReading;
  expect((await collect(tts.speak('Third.', { settleMs: SETTLE_MS }))).length).toBe(4800 * 4);
  await fake.scriptsFinished();
  expect(cancels).toEqual([
    { type: 'context.cancel', context_id: first.contextId },
    { type: 'context.cancel', context_id: second.contextId },
  ]);
  await tts.close();
});

test('a committed turn that gets no audio fails with APITimeoutError after turnTimeoutMs', async () => {
  fake.onSession(TTS, async (peer) => {
    sessionCreated(peer);
    await peer.until('input_text_buffer.commit');
  });
  const tts = await connect();
  const failure = await collect(tts.speak('Anyone there?', { turnTimeoutMs: 200 })).catch((error: unknown) => error);
  expect(failure).toBeInstanceOf(APITimeoutError);
  expect((failure as Error).message).toMatch(/200 ms/);
  await tts.close();
});

test('bad settings are refused before any network I/O', async () => {
  await expect(connect({ responseFormat: 'ogg' as 'mp3' })).rejects.toThrow(/responseFormat must be one of mp3, opus, aac, flac, wav, pcm/);
  await expect(connect({ speed: 0 })).rejects.toThrow(/speed must be a positive number/);
  await expect(connect({ sampleRate: 22050.5 })).rejects.toThrow(/sampleRate must be a positive integer/);
  await expect(connect({ alignment: 'char' as 'word' })).rejects.toThrow(/alignment must be one of none, word/);
  await expect(connect({ segment: 'paragraph' as 'never' })).rejects.toThrow(/segment must be one of sentence, immediate, never/);
  await expect(connect({ extraParams: [] as unknown as Record<string, unknown> })).rejects.toThrow(/extraParams must be a plain object/);
  await expect(connect({ model: ' ' })).rejects.toThrow(/model must be a non-empty string/);
  await expect(connect({ maxContexts: 101 })).rejects.toThrow(/maxContexts must be an integer from 1 to 100/);
  await expect(connect({ handshakeTimeoutMs: -1 })).rejects.toThrow(/handshakeTimeoutMs must be a number/);
  expect(fake.upgrades).toEqual([]);
  fake.onSession(TTS, (peer) => sessionCreated(peer));
  const tts = await connect();
  await expect(tts.updateSession({ sample_rate: 0 })).rejects.toThrow(/sample_rate must be a positive integer/);
  expect(() => tts.speak('Hi.', { turnTimeoutMs: -5 })).toThrow(/turnTimeoutMs must be a non-negative number/);
  await tts.close();
  expect(fake.peers[0].received).toEqual([]);
});

test('unread events are bounded in bytes, not in count: 40 one-megabyte deltas stay mostly on the server until read', async () => {
  const megabyte = Buffer.alloc(1024 * 1024, 9).toString('base64');
  let serverBacklog = 0;
  let sent!: () => void;
  const allSent = new Promise<void>((resolve) => (sent = resolve));
  fake.onSession(TTS, async (peer) => {
    sessionCreated(peer);
    const { event } = await peer.until('input_text_buffer.commit');
    for (let i = 0; i < 40; i += 1) peer.send({ type: 'conversation.item.audio_output.delta', item_id: 'tts_1', delta: megabyte, context_id: event.context_id });
    peer.send({ type: 'conversation.item.audio_output.done', item_id: 'tts_1', context_id: event.context_id });
    await new Promise((resolve) => setTimeout(resolve, 500));
    serverBacklog = peer.socket.bufferedAmount;
    sent();
  });
  const tts = await connect({ maxQueuedBytes: 4 * 1024 * 1024 });
  const reader = tts.speak('A lot of audio.', { settleMs: SETTLE_MS })[Symbol.asyncIterator]();
  const first = await reader.next(); // starts the turn, then the reader stops reading
  expect(first.value).toHaveLength(1024 * 1024);
  await allSent;
  // The client holds at most maxQueuedBytes (plus socket buffers); the rest waits on the server.
  expect(serverBacklog).toBeGreaterThan(20 * 1024 * 1024);
  let bytes = first.value!.length;
  for (let chunk = await reader.next(); !chunk.done; chunk = await reader.next()) bytes += chunk.value.length;
  expect(bytes).toBe(40 * 1024 * 1024);
  await tts.close();
});

test('a failure naming its context rejects only that turn; the others finish', async () => {
  fake.onSession(TTS, async (peer) => {
    sessionCreated(peer);
    const first = (await peer.until('input_text_buffer.commit')).event.context_id;
    const second = (await peer.until('input_text_buffer.commit')).event.context_id;
    peer.send({ type: 'conversation.item.tts.failed', context_id: first, error: { message: 'Voice not found', type: 'invalid_request_error', param: 'voice', code: 'voice_not_found' } });
    speakItem(peer, 'tts_2', Buffer.from([1, 2]), 4800, { context_id: second });
  });
  const tts = await connect();
  const [failed, spoken] = await Promise.allSettled([collect(tts.speak('One.', { settleMs: SETTLE_MS })), collect(tts.speak('Two.', { settleMs: SETTLE_MS }))]);
  expect(failed).toMatchObject({ status: 'rejected', reason: { name: 'RealtimeError', code: 'voice_not_found' } });
  expect((failed as PromiseRejectedResult).reason.contextId).toBeDefined();
  expect(spoken).toEqual({ status: 'fulfilled', value: Buffer.from([1, 2]) });
  await tts.close();
});

test('turns started together never take more than maxContexts contexts at once', async () => {
  let inFlight = 0;
  let most = 0;
  fake.onSession(TTS, async (peer) => {
    sessionCreated(peer);
    const open = new Set<string>();
    for (;;) {
      const event = await peer.next().catch(() => undefined);
      if (!event) return;
      const context = event.context_id as string;
      if (event.type === 'input_text_buffer.append' && !open.has(context)) {
        open.add(context);
        inFlight += 1;
        most = Math.max(most, inFlight);
      }
      if (event.type === 'input_text_buffer.commit') {
        setTimeout(() => {
          speakItem(peer, `item_${context}`, Buffer.alloc(480), 480, { context_id: context });
          inFlight -= 1;
        }, 30);
      }
    }
  });
  const tts = await connect({ maxContexts: 2 });
  const results = await Promise.all([1, 2, 3, 4, 5].map((n) => collect(tts.speak(`Turn ${n}.`, { settleMs: 20 }))));
  expect(results.map((pcm) => pcm.length)).toEqual([480, 480, 480, 480, 480]);
  expect(most).toBe(2);
  await tts.close();
});

test.each(['%%%%', 'AAA', 'AA=A', 42])('an audio delta that is not base64 (%p) fails the turn with RealtimeProtocolError', async (delta) => {
  fake.onSession(TTS, async (peer) => {
    sessionCreated(peer);
    const { event } = await peer.until('input_text_buffer.commit');
    peer.send({ type: 'conversation.item.audio_output.delta', item_id: 'tts_1', delta: 'AAAA', context_id: event.context_id });
    peer.send({ type: 'conversation.item.audio_output.delta', item_id: 'tts_1', delta, context_id: event.context_id });
  });
  const tts = await connect();
  const heard: Buffer[] = [];
  const failure = await (async () => {
    for await (const chunk of tts.speak('Hi.')) heard.push(chunk);
  })().catch((error: unknown) => error);
  expect(failure).toBeInstanceOf(RealtimeProtocolError);
  expect((failure as Error).message).toBe('The server sent an audio delta that is not base64.');
  expect(heard).toEqual([Buffer.from([0, 0, 0])]);
  await tts.close();
});
