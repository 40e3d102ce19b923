import { randomBytes } from 'node:crypto';
import { getEventListeners } from 'node:events';
import { APITimeoutError, RealtimeError, RealtimeProtocolError, TogetherAudioError } from '../src';
import type { ServerPeer } from './support/fake-realtime';
import { rejection, useFakeRealtime, within } from './support/realtime-session';
import { collect, collectAudio, sessionCreated, speakItem } from './support/tts-script';

// One speak() turn from start to end: what it sends, when it is over, how it fails and what it releases.

const TTS = '/audio/speech/websocket';
const SETTLE_MS = 100;
const { fake, tts: connect } = useFakeRealtime();

async function committedContext(peer: ServerPeer): Promise<string> {
  return (await peer.until('input_text_buffer.commit')).event.context_id as string;
}

const sent = (type: string) => fake.peers[0].received.filter((event) => event.type === type);
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('a turn made of several items waits settleMs after each done for the next, and audio after that is no longer the turn’s', async () => {
  const items = [randomBytes(960), randomBytes(480)];
  fake.onSession(TTS, async (peer) => {
    sessionCreated(peer);
    const context = await committedContext(peer);
    speakItem(peer, 'tts_1', items[0], 480, { context_id: context });
    await pause(SETTLE_MS / 4);
    speakItem(peer, 'tts_2', items[1], 480, { context_id: context });
    await peer.until('input_text_buffer.clear');
    speakItem(peer, 'tts_3', randomBytes(480), 480, { context_id: context });
    peer.socket.close(1000);
  });
  const tts = await connect();
  const turn = tts.speak('One. Two.', { settleMs: SETTLE_MS });
  const parts = await collect(turn.parts());
  expect(parts).toEqual([
    { type: 'audio', audio: items[0].subarray(0, 480), itemId: 'tts_1' },
    { type: 'audio', audio: items[0].subarray(480), itemId: 'tts_1' },
    { type: 'audio', audio: items[1], itemId: 'tts_2' },
  ]);
  await tts.clear();
  expect(await collect(tts.events())).toEqual([]);
  await tts.close();
});

test('a done for an item that never had audio does not end the turn: it waits for the speech', async () => {
  const pcm = randomBytes(480);
  fake.onSession(TTS, async (peer) => {
    sessionCreated(peer);
    const context = await committedContext(peer);
    peer.send({ type: 'conversation.item.audio_output.done', item_id: 'tts_0', context_id: context });
    await pause(SETTLE_MS * 2);
    speakItem(peer, 'tts_1', pcm, 480, { context_id: context });
  });
  const tts = await connect();
  expect(await collectAudio(tts.speak('Hello.', { settleMs: SETTLE_MS }))).toEqual(pcm);
  await tts.close();
});

test('a turn whose item is not done yet does not settle, even after an earlier item is done: it waits up to turnTimeoutMs for the rest of the item', async () => {
  const first = randomBytes(480);
  const pcm = randomBytes(960);
  fake.onSession(TTS, async (peer) => {
    sessionCreated(peer);
    const context = await committedContext(peer);
    speakItem(peer, 'tts_0', first, 480, { context_id: context });
    peer.send({ type: 'conversation.item.audio_output.delta', item_id: 'tts_1', delta: pcm.subarray(0, 480).toString('base64'), context_id: context });
    await pause(SETTLE_MS * 2);
    speakItem(peer, 'tts_1', pcm.subarray(480), 480, { context_id: context });
  });
  const tts = await connect();
  expect(await collectAudio(tts.speak('Hello.', { settleMs: SETTLE_MS / 2, turnTimeoutMs: 2000 }))).toEqual(Buffer.concat([first, pcm]));
  await tts.close();
});

test('the turn timeout starts at the commit: slow text pieces are not a timeout, silence after the commit is, and the context is cancelled', async () => {
  async function* slowText(): AsyncGenerator<string> {
    yield 'Slow ';
    await pause(250);
    yield 'text.';
  }
  fake.onSession(TTS, async (peer) => {
    sessionCreated(peer);
    await committedContext(peer);
    await peer.until('context.cancel');
  });
  const tts = await connect();
  const turn = tts.speak(slowText(), { turnTimeoutMs: 100 });
  const started = Date.now();
  const error = await rejection(collectAudio(turn));
  expect(Date.now() - started).toBeGreaterThanOrEqual(340);
  expect(error).toBeInstanceOf(APITimeoutError);
  expect((error as Error).message).toBe(`No speech arrived for 100 ms after the text of context ${turn.contextId} was committed.`);
  await fake.scriptsFinished();
  expect(sent('input_text_buffer.append').map((event) => event.text)).toEqual(['Slow ', 'text.']);
  expect(sent('context.cancel')).toEqual([{ type: 'context.cancel', context_id: turn.contextId }]);
  await tts.close();
});

test('a turn is read once: a second reader is refused', async () => {
  fake.onSession(TTS, async (peer) => {
    sessionCreated(peer);
    speakItem(peer, 'tts_1', randomBytes(480), 480, { context_id: await committedContext(peer) });
  });
  const tts = await connect();
  const turn = tts.speak('Once.', { settleMs: SETTLE_MS });
  expect(await collectAudio(turn)).toHaveLength(480);
  const again = await rejection(collectAudio(turn));
  expect(again).toBeInstanceOf(TogetherAudioError);
  expect((again as Error).message).toBe('This speech turn is already being read; a turn is read once.');
  await expect(collect(turn.parts())).rejects.toThrow('a turn is read once');
  await tts.close();
});

test('turn.cancel() sends nothing before the turn is read or after it is over; tts.cancel() of a context with no turn still asks the server to stop it', async () => {
  fake.onSession(TTS, async (peer) => {
    sessionCreated(peer);
    speakItem(peer, 'tts_1', randomBytes(480), 480, { context_id: await committedContext(peer) });
    await peer.until('input_text_buffer.clear');
  });
  const tts = await connect();
  const unread = tts.speak('Never said.');
  await unread.cancel();
  expect(await collectAudio(unread)).toHaveLength(0);
  const spoken = tts.speak('Said.', { settleMs: SETTLE_MS });
  expect(await collectAudio(spoken)).toHaveLength(480);
  await spoken.cancel();
  await tts.cancel(spoken.contextId);
  await tts.clear();
  await fake.scriptsFinished();
  expect(fake.peers[0].received.map((event) => event.type)).toEqual([
    'input_text_buffer.append',
    'input_text_buffer.commit',
    'context.cancel',
    'input_text_buffer.clear',
  ]);
  expect(sent('context.cancel')).toEqual([{ type: 'context.cancel', context_id: spoken.contextId }]);
  await tts.close();
});

test('tts.cancel(contextId) ends the turn in flight in that context, and its reader stops', async () => {
  fake.onSession(TTS, async (peer) => {
    sessionCreated(peer);
    const context = await committedContext(peer);
    peer.send({ type: 'conversation.item.audio_output.delta', item_id: 'tts_1', delta: 'AAAA', context_id: context });
    await peer.until('context.cancel');
    peer.send({ type: 'context.cancelled', context_id: context });
  });
  const tts = await connect();
  const turn = tts.speak('Stop me.', { contextId: 'my-context' });
  const reader = turn[Symbol.asyncIterator]();
  expect((await reader.next()).value).toEqual(Buffer.alloc(3));
  await tts.cancel('my-context');
  expect(await reader.next()).toEqual({ done: true, value: undefined });
  await fake.scriptsFinished();
  expect(sent('context.cancel')).toEqual([{ type: 'context.cancel', context_id: 'my-context' }]);
  await tts.close();
});

test('a context can hold one turn at a time, and the refused turn takes no context; once it is over the context can be spoken in again, and its audio is heard', async () => {
  const second = randomBytes(480);
  fake.onSession(TTS, async (peer) => {
    sessionCreated(peer);
    speakItem(peer, 'tts_1', randomBytes(480), 480, { context_id: await committedContext(peer) });
    speakItem(peer, 'tts_2', second, 480, { context_id: await committedContext(peer) });
    // Both contexts must be free again: the server speaks only once both turns are in flight.
    const both = [await committedContext(peer), await committedContext(peer)];
    for (const context of both) speakItem(peer, `tts_${context}`, Buffer.alloc(2), 480, { context_id: context });
  });
  const tts = await connect({ maxContexts: 2 });
  const first = tts.speak('First.', { contextId: 'narrator', settleMs: SETTLE_MS });
  const reader = first[Symbol.asyncIterator]();
  await reader.next();
  const clash = await rejection(collectAudio(tts.speak('Clash.', { contextId: 'narrator' })));
  expect(clash).toBeInstanceOf(TogetherAudioError);
  expect((clash as Error).message).toBe('Context narrator already has a turn in flight.');
  while (!(await reader.next()).done);
  expect(await collectAudio(tts.speak('Second.', { contextId: 'narrator', settleMs: SETTLE_MS }))).toEqual(second);
  const together = ['Three.', 'Four.'].map((text) => collectAudio(tts.speak(text, { settleMs: SETTLE_MS, turnTimeoutMs: 1000 })));
  expect(await Promise.all(together)).toEqual([Buffer.alloc(2), Buffer.alloc(2)]);
  await tts.close();
});

test('a turn that fails locally (a bad text piece) cancels its context; one the server failed does not', async () => {
  fake.onSession(TTS, async (peer) => {
    sessionCreated(peer);
    await peer.until('context.cancel');
    const context = await committedContext(peer);
    peer.send({ type: 'conversation.item.tts.failed', context_id: context, error: { message: 'Bad text', type: 'invalid_request_error', code: 'invalid_text' } });
    await peer.until('input_text_buffer.clear');
  });
  const tts = await connect();
  const bad = tts.speak(['Fine, ', 7 as unknown as string, 'never sent']);
  const error = await rejection(collectAudio(bad));
  expect(error).toBeInstanceOf(TypeError);
  expect((error as Error).message).toBe('Text pieces must be strings, got 7.');
  expect(await rejection(collectAudio(tts.speak('Bad.')))).toBeInstanceOf(RealtimeError);
  await tts.clear();
  await fake.scriptsFinished();
  expect(fake.peers[0].received.map((event) => event.type)).toEqual([
    'input_text_buffer.append',
    'context.cancel',
    'input_text_buffer.append',
    'input_text_buffer.commit',
    'input_text_buffer.clear',
  ]);
  expect(sent('context.cancel')).toEqual([{ type: 'context.cancel', context_id: bad.contextId }]);
  await tts.close();
});

test('a text source that throws ends the turn with its error; a thrown non-Error becomes a TogetherAudioError', async () => {
  fake.onSession(TTS, (peer) => sessionCreated(peer));
  const tts = await connect();
  const broken = new Error('LLM stream broke');
  async function* failing(thrown: unknown): AsyncGenerator<string> {
    yield 'Partial ';
    throw thrown;
  }
  expect(await rejection(collectAudio(tts.speak(failing(broken))))).toBe(broken);
  const wrapped = await rejection(collectAudio(tts.speak(failing('stream reset'))));
  expect(wrapped).toBeInstanceOf(TogetherAudioError);
  expect((wrapped as Error).message).toBe('stream reset');
  await tts.close();
});

test.each([
  ['fewer end times than words', { words: ['Hi', 'there'], start_seconds: [0, 0.2], end_seconds: [0.2] }],
  ['fewer start times than words', { words: ['Hi', 'there'], start_seconds: [0], end_seconds: [0.2, 0.5] }],
  ['words that are not a list', { words: 'Hi', start_seconds: [0], end_seconds: [0.2] }],
  ['no start times', { words: ['Hi'], start_seconds: null, end_seconds: [0.2] }],
  ['no end times', { words: ['Hi'], start_seconds: [0] }],
])('word timestamps with %s fail the turn with RealtimeProtocolError', async (_case, timing) => {
  fake.onSession(TTS, async (peer) => {
    sessionCreated(peer);
    peer.send({ type: 'conversation.item.word_timestamps', item_id: 'tts_1', ...timing, context_id: await committedContext(peer) });
  });
  const tts = await connect({ alignment: 'word' });
  const error = await rejection(collect(tts.speak('Hi there.').parts()));
  expect(error).toBeInstanceOf(RealtimeProtocolError);
  expect((error as Error).message).toBe('The server sent word timestamps whose words, start_seconds and end_seconds differ in length.');
  await tts.close();
});

test('iterating a turn yields only audio; word timings still collect on turn.words', async () => {
  fake.onSession(TTS, async (peer) => {
    sessionCreated(peer);
    const context = { context_id: await committedContext(peer) };
    peer.send({ type: 'conversation.item.input_text.received', text: 'Hi.', ...context });
    peer.send({ type: 'conversation.item.word_timestamps', item_id: 'tts_1', words: ['Hi'], start_seconds: [0], end_seconds: [0.3], ...context });
    speakItem(peer, 'tts_1', Buffer.from([1, 2, 3, 4]), 480, context);
  });
  const tts = await connect({ alignment: 'word' });
  const turn = tts.speak('Hi.', { settleMs: SETTLE_MS });
  expect(await collect(turn)).toEqual([Buffer.from([1, 2, 3, 4])]);
  expect(turn.words).toEqual([{ word: 'Hi', start: 0, end: 0.3, itemId: 'tts_1' }]);
  await tts.close();
});

test('a turn waiting for a free context can be aborted: it rejects with the reason, sends nothing, and takes no context', async () => {
  fake.onSession(TTS, async (peer) => {
    sessionCreated(peer);
    const first = await committedContext(peer);
    await peer.until('input_text_buffer.clear');
    speakItem(peer, 'tts_1', Buffer.alloc(480), 480, { context_id: first });
    speakItem(peer, 'tts_3', Buffer.alloc(480), 480, { context_id: await committedContext(peer) });
  });
  const tts = await connect({ maxContexts: 1 });
  const first = collectAudio(tts.speak('First.', { settleMs: SETTLE_MS }));
  const controller = new AbortController();
  const waiting = rejection(collectAudio(tts.speak('Waiting.', { signal: controller.signal })));
  await pause(50);
  controller.abort(new Error('user left'));
  expect(await waiting).toEqual(new Error('user left'));
  const preAborted = rejection(collectAudio(tts.speak('Never.', { signal: AbortSignal.abort(new Error('already gone')) })));
  expect(await preAborted).toEqual(new Error('already gone'));
  await tts.clear();
  expect(await first).toHaveLength(480);
  expect(await collectAudio(tts.speak('Third.', { settleMs: SETTLE_MS }))).toHaveLength(480);
  expect(sent('input_text_buffer.append').map((event) => event.text)).toEqual(['First.', 'Third.']);
  await tts.close();
});

test('a bad turn is refused when speak() is called, with a TypeError naming the problem', async () => {
  fake.onSession(TTS, (peer) => sessionCreated(peer));
  const tts = await connect();
  expect(() => tts.speak('')).toThrow(new TypeError('RealtimeTTS.speak needs text to speak, got an empty string.'));
  expect(() => tts.speak(null as unknown as string)).toThrow(new TypeError('RealtimeTTS.speak needs a string or an (async) iterable of strings, got null.'));
  expect(() => tts.speak({} as unknown as string)).toThrow(new TypeError('RealtimeTTS.speak needs a string or an (async) iterable of strings, got an instance of Object.'));
  for (const [name, value, shown] of [
    ['settleMs', Number.NaN, 'NaN'],
    ['settleMs', Number.POSITIVE_INFINITY, 'Infinity'],
    ['turnTimeoutMs', '500', '500'],
    ['turnTimeoutMs', -1, '-1'],
  ] as const) {
    expect(() => tts.speak('Hi.', { [name]: value })).toThrow(new TypeError(`${name} must be a non-negative number of milliseconds, got ${shown}.`));
  }
  expect(() => tts.speak('Hi.', { contextId: ' ' })).toThrow(new TypeError('contextId must be a non-empty string, got a blank string.'));
  expect(tts.speak('Hi.', { settleMs: 0, turnTimeoutMs: 0 }).contextId).toMatch(/^ctx_[a-z0-9]+_\d+$/);
  await expect(tts.cancel('')).rejects.toThrow(new TypeError('contextId must be a non-empty string, got an empty string.'));
  for (const call of [() => tts.append('Hi.', { contextId: '' }), () => tts.commit({ contextId: '\t' }), () => tts.clear({ contextId: 5 as unknown as string })]) {
    await expect(call()).rejects.toThrow(/^contextId must be a non-empty string/);
  }
  await expect(tts.append(undefined as unknown as string)).rejects.toThrow(new TypeError('RealtimeTTS.append needs a non-empty string of text, got undefined.'));
  await expect(tts.append('')).rejects.toThrow(new TypeError('RealtimeTTS.append needs a non-empty string of text, got an empty string.'));
  expect(tts.bufferedAmount).toBe(0);
  await tts.close();
  expect(fake.peers[0].received).toEqual([]);
});

test('the low-level calls address the context they are given', async () => {
  fake.onSession(TTS, async (peer) => {
    sessionCreated(peer);
    await peer.until('input_text_buffer.clear');
  });
  const tts = await connect();
  await tts.append('Hi.', { contextId: 'a' });
  await tts.commit({ contextId: 'a' });
  await tts.clear({ contextId: 'b' });
  await fake.scriptsFinished();
  expect(fake.peers[0].received).toEqual([
    { type: 'input_text_buffer.append', text: 'Hi.', context_id: 'a' },
    { type: 'input_text_buffer.commit', context_id: 'a' },
    { type: 'input_text_buffer.clear', context_id: 'b' },
  ]);
  await tts.close();
});

test('contexts of one session are numbered in order, and two sessions never share a context name', async () => {
  fake.onSession(TTS, (peer) => sessionCreated(peer));
  const [one, two] = await Promise.all([connect(), connect()]);
  const first = one.speak('a').contextId;
  const second = one.speak('b').contextId;
  expect(second).toBe(first.replace(/_1$/, '_2'));
  expect(two.speak('c').contextId).not.toBe(first);
  await Promise.all([one.close(), two.close()]);
});

test('leaving a turn early gives back the room its unread audio took: a slow session keeps flowing to the next turn', async () => {
  const next = randomBytes(4800);
  fake.onSession(TTS, async (peer) => {
    sessionCreated(peer);
    speakItem(peer, 'tts_1', randomBytes(256 * 1024), 4096, { context_id: await committedContext(peer) });
    speakItem(peer, 'tts_2', next, 4800, { context_id: await committedContext(peer) });
  });
  const tts = await connect({ maxQueuedBytes: 32 * 1024 });
  for await (const _chunk of tts.speak('Long.')) {
    await pause(100); // the rest of the item arrives and fills the queue meanwhile
    break;
  }
  expect(await collectAudio(tts.speak('Next.', { settleMs: SETTLE_MS, turnTimeoutMs: 2000 }))).toEqual(next);
  await tts.close();
});

test.each([
  ['cancelled', 'a later piece', ['Never sent.']],
  ['cancelled', 'the commit', []],
  ['aborted', 'a later piece', ['Never sent.']],
  ['aborted', 'the commit', []],
])('a turn %s while its text is still coming sends neither %s nor anything after', async (how, _what, later) => {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  async function* pieces(): AsyncGenerator<string> {
    yield 'First piece. ';
    await released;
    yield* later;
  }
  fake.onSession(TTS, async (peer) => {
    sessionCreated(peer);
    await peer.until('context.cancel');
    await peer.until('input_text_buffer.clear');
  });
  const tts = await connect();
  const controller = new AbortController();
  const reason = new Error('user left');
  const turn = tts.speak(pieces(), { signal: controller.signal });
  const reading = collectAudio(turn).then((audio) => audio.length, (error: unknown) => error);
  while (sent('input_text_buffer.append').length === 0) await pause(5);
  if (how === 'cancelled') await turn.cancel();
  else controller.abort(reason);
  expect(await reading).toBe(how === 'cancelled' ? 0 : reason);
  release();
  await pause(20);
  await tts.clear();
  await fake.scriptsFinished();
  expect(fake.peers[0].received.map((event) => event.type)).toEqual(['input_text_buffer.append', 'context.cancel', 'input_text_buffer.clear']);
  await tts.close();
});

test('close() while a turn is being read ends its reader quietly, and later turns are refused as closed', async () => {
  fake.onSession(TTS, async (peer) => {
    sessionCreated(peer);
    peer.send({ type: 'conversation.item.audio_output.delta', item_id: 'tts_1', delta: 'AAAA', context_id: await committedContext(peer) });
  });
  const tts = await connect();
  const reader = tts.speak('Interrupted by close.')[Symbol.asyncIterator]();
  expect((await reader.next()).value).toEqual(Buffer.alloc(3));
  const next = reader.next();
  await tts.close();
  expect(await next).toEqual({ done: true, value: undefined });
  await expect(collectAudio(tts.speak('After.'))).rejects.toThrow('The realtime session is closed; open a new one.');
});

test('a ws:// base URL is accepted as is', async () => {
  fake.onSession(TTS, (peer) => sessionCreated(peer));
  const tts = await connect({ baseURL: fake.baseURL.replace(/^http/, 'ws') });
  expect(tts.session).toMatchObject({ id: 'sess_1' });
  await tts.close();
});

test('cancelling a turn that waits for a free context, or one not read yet, ends its reader at once, sends nothing, and takes no context', async () => {
  fake.onSession(TTS, async (peer) => {
    sessionCreated(peer);
    const first = await committedContext(peer);
    peer.send({ type: 'conversation.item.audio_output.delta', item_id: 'tts_1', delta: 'AAAA', context_id: first });
    await peer.until('input_text_buffer.clear');
    speakItem(peer, 'tts_1', Buffer.alloc(3), 480, { context_id: first });
    speakItem(peer, 'tts_2', Buffer.alloc(6), 480, { context_id: await committedContext(peer) });
  });
  const tts = await connect({ maxContexts: 1 });
  const first = tts.speak('First.', { settleMs: SETTLE_MS })[Symbol.asyncIterator]();
  expect((await first.next()).value).toEqual(Buffer.alloc(3));
  // The reader of the first turn waits for the second to end before it reads on: no deadlock.
  const waiting = tts.speak('Waiting.');
  const reading = collectAudio(waiting);
  await pause(20);
  await waiting.cancel();
  expect(await within(1000, 'the cancelled reader', reading)).toHaveLength(0);
  const unread = tts.speak('Cancelled before it was read.');
  await unread.cancel();
  expect(await within(1000, 'the reader of a turn cancelled before it was read', collectAudio(unread))).toHaveLength(0);
  await tts.clear();
  while (!(await first.next()).done);
  expect(await collectAudio(tts.speak('Next.', { settleMs: SETTLE_MS }))).toEqual(Buffer.alloc(6));
  expect(sent('input_text_buffer.append').map((event) => event.text)).toEqual(['First.', 'Next.']);
  expect(sent('context.cancel')).toEqual([]);
  await tts.close();
});

test('audio for an item after its done is still the turn’s, and the turn ends settleMs later: the item is not waited on again', async () => {
  const pcm = randomBytes(960);
  fake.onSession(TTS, async (peer) => {
    sessionCreated(peer);
    const context = { context_id: await committedContext(peer) };
    speakItem(peer, 'tts_1', pcm.subarray(0, 480), 480, context);
    peer.send({ type: 'conversation.item.audio_output.delta', item_id: 'tts_1', delta: pcm.subarray(480).toString('base64'), ...context });
  });
  const tts = await connect();
  const started = Date.now();
  expect(await collectAudio(tts.speak('Hello.', { settleMs: SETTLE_MS, turnTimeoutMs: 3000 }))).toEqual(pcm);
  expect(Date.now() - started).toBeLessThan(2000);
  await tts.close();
});

test('cancelling a turn that is over, was refused, or was never read leaves the turn in flight in its context alone', async () => {
  const pcm = randomBytes(960);
  fake.onSession(TTS, async (peer) => {
    sessionCreated(peer);
    speakItem(peer, 'tts_1', randomBytes(480), 480, { context_id: await committedContext(peer) });
    const context = { context_id: await committedContext(peer) };
    peer.send({ type: 'conversation.item.audio_output.delta', item_id: 'tts_2', delta: pcm.subarray(0, 480).toString('base64'), ...context });
    await peer.until('input_text_buffer.clear');
    speakItem(peer, 'tts_2', pcm.subarray(480), 480, context);
  });
  const tts = await connect();
  const over = tts.speak('Over.', { contextId: 'narrator', settleMs: SETTLE_MS });
  expect(await collectAudio(over)).toHaveLength(480);
  const inFlight = tts.speak('In flight.', { contextId: 'narrator', settleMs: SETTLE_MS })[Symbol.asyncIterator]();
  const heard = [(await inFlight.next()).value as Buffer];
  const refused = tts.speak('Refused.', { contextId: 'narrator' });
  const refusal = await rejection(collectAudio(refused));
  expect(refusal).toBeInstanceOf(TogetherAudioError);
  expect((refusal as Error).message).toBe('Context narrator already has a turn in flight.');
  const unread = tts.speak('Unread.', { contextId: 'narrator' });
  for (const turn of [over, refused, unread]) await turn.cancel();
  await tts.clear();
  for (let chunk = await inFlight.next(); !chunk.done; chunk = await inFlight.next()) heard.push(chunk.value);
  expect(Buffer.concat(heard)).toEqual(pcm);
  expect(sent('context.cancel')).toEqual([]);
  await tts.close();
});

test('a signal shared by many turns keeps no listener of a turn that is over, however it ended', async () => {
  fake.onSession(TTS, async (peer) => {
    sessionCreated(peer);
    speakItem(peer, 'tts_1', randomBytes(480), 480, { context_id: await committedContext(peer) });
    await committedContext(peer);
    const held = await committedContext(peer);
    await peer.until('input_text_buffer.clear');
    speakItem(peer, 'tts_2', randomBytes(480), 480, { context_id: held });
  });
  const tts = await connect({ maxContexts: 1 });
  const { signal } = new AbortController();
  expect(await collectAudio(tts.speak('Spoken.', { signal, settleMs: SETTLE_MS }))).toHaveLength(480);
  expect(await collectAudio(tts.speak([' '], { signal }))).toHaveLength(0);
  const held = collectAudio(tts.speak('Held.', { signal, settleMs: SETTLE_MS }));
  const waiting = tts.speak('Waiting for a context.', { signal });
  const reading = collectAudio(waiting);
  await pause(20);
  await waiting.cancel();
  expect(await reading).toHaveLength(0);
  await tts.clear();
  expect(await held).toHaveLength(480);
  expect(getEventListeners(signal, 'abort')).toEqual([]);
  await tts.close();
});
