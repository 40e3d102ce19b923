import { randomBytes } from 'node:crypto';
import { WebSocket } from 'ws';
import {
  type PlatformWebSocketConstructor,
  RealtimeClosedError,
  RealtimeError,
  RealtimeKeepaliveError,
  RealtimeOverflowError,
  RealtimeProtocolError,
  RealtimeTTS,
  type RealtimeTtsEvent,
} from '../src';
import { FakeRealtime, type ServerPeer } from './support/fake-realtime';
import { rejection, useFakeRealtime, within } from './support/realtime-session';
import { collect, collectAudio, sessionCreated, speakItem } from './support/tts-script';

// How events reach readers: each turn gets exactly the audio of its context, in order; failures are
// typed and go to the turn they name; what no turn owns reaches events(); a broken stream ends everything.

const TTS = '/audio/speech/websocket';
const SETTLE_MS = 100;
const { fake, tts: connect } = useFakeRealtime();

/** Waits for the next committed turn and returns its context. */
async function committedContext(peer: ServerPeer): Promise<string> {
  return (await peer.until('input_text_buffer.commit')).event.context_id as string;
}

/** The events that events() yields until the session ends, or the error that ends it. */
async function generalEvents(tts: RealtimeTTS): Promise<{ types: string[]; failure: unknown }> {
  const types: string[] = [];
  try {
    for await (const event of tts.events()) types.push(event.type);
    return { types, failure: undefined };
  } catch (failure) {
    return { types, failure };
  }
}

const failure = (context: object, code = 'synthesis_failed') => ({
  type: 'conversation.item.tts.failed',
  error: { message: 'Synthesis failed', type: 'server_error', param: null, code },
  ...context,
});

test('a failure naming no context fails every turn in flight with the same typed error, and sends no context.cancel for them', async () => {
  fake.onSession(TTS, async (peer) => {
    sessionCreated(peer);
    await committedContext(peer);
    await committedContext(peer);
    peer.send({ type: 'error', error: { message: 'Backend overloaded', type: 'server_error', code: 'overloaded' } });
    await peer.until('input_text_buffer.clear');
    peer.socket.close(1000);
  });
  const tts = await connect();
  const results = await Promise.all([rejection(collectAudio(tts.speak('One.'))), rejection(collectAudio(tts.speak('Two.')))]);
  for (const result of results) {
    expect(result).toBeInstanceOf(RealtimeError);
    expect(result).toMatchObject({ name: 'RealtimeError', message: 'Backend overloaded (code overloaded)', code: 'overloaded', type: 'server_error', eventType: 'error', contextId: undefined });
  }
  await tts.clear();
  expect(await generalEvents(tts)).toEqual({ types: [], failure: undefined });
  await fake.scriptsFinished();
  expect(fake.peers[0].received.map((event) => event.type)).not.toContain('context.cancel');
  await tts.close();
});

test('a failure event without a usable error still becomes a RealtimeError that names the event, its context and item', async () => {
  const malformed = [{ item_id: 'tts_7' }, { item_id: 'tts_7', error: null }, { item_id: 'tts_7', error: 'quota' }, { item_id: 'tts_7', error: { message: 42 } }];
  fake.onSession(TTS, async (peer) => {
    sessionCreated(peer);
    for (const fields of malformed) peer.send({ type: 'conversation.item.tts.failed', context_id: await committedContext(peer), ...fields });
    peer.send({ type: 'conversation.item.tts.failed', context_id: await committedContext(peer), item_id: 8, error: { message: 'No voice', type: 404, code: null } });
  });
  const tts = await connect();
  for (const _fields of malformed) {
    const turn = tts.speak('One.');
    const error = await rejection(collectAudio(turn));
    expect(error).toBeInstanceOf(RealtimeError);
    expect(error).toMatchObject({
      message: 'The server reported conversation.item.tts.failed without an error message.',
      type: 'unknown',
      code: undefined,
      param: undefined,
      eventType: 'conversation.item.tts.failed',
      contextId: turn.contextId,
      itemId: 'tts_7',
    });
  }
  const turn = tts.speak('Two.');
  const error = await rejection(collectAudio(turn));
  expect(error).toBeInstanceOf(RealtimeError);
  expect(error).toMatchObject({ message: 'No voice', type: 'unknown', code: null, contextId: turn.contextId, itemId: undefined });
  expect((error as RealtimeError).error).toEqual({ message: 'No voice', type: 'unknown', param: undefined, code: null });
  await tts.close();
});

test('what no turn owns reaches events(): unknown event types, and events or failures naming a context no turn has', async () => {
  fake.onSession(TTS, async (peer) => {
    sessionCreated(peer);
    peer.send({ type: 'rate_limits.updated', rate_limits: [] });
    peer.send({ type: 'conversation.item.audio_output.delta', item_id: 'x_1', delta: 'AAAA', context_id: 'someone_else' });
    peer.send({ type: 'conversation.item.input_text.received', text: 'Hi.', context_id: 'someone_else' });
    peer.send(failure({ context_id: 'someone_else', item_id: 'x_1' }, 'unknown_context'));
    peer.send({ type: 'tts_session.updated', session: { voice: 'leo' } });
    peer.socket.close(1000);
  });
  const tts = await connect();
  const first = await generalEvents(tts);
  expect(first.types).toEqual(['rate_limits.updated', 'conversation.item.audio_output.delta', 'conversation.item.input_text.received']);
  expect(first.failure).toBeInstanceOf(RealtimeError);
  expect(first.failure).toMatchObject({ code: 'unknown_context', contextId: 'someone_else', itemId: 'x_1', eventType: 'conversation.item.tts.failed' });
  // The session goes on after a failure: a new reader gets what followed it.
  expect(await generalEvents(tts)).toEqual({ types: ['tts_session.updated'], failure: undefined });
  await tts.close();
});

test('late events of a finished or cancelled context, failures included, reach no reader', async () => {
  const fresh = randomBytes(960);
  fake.onSession(TTS, async (peer) => {
    sessionCreated(peer);
    const done = await committedContext(peer);
    speakItem(peer, 'tts_1', randomBytes(480), 480, { context_id: done });
    const cancelled = await committedContext(peer);
    peer.send({ type: 'conversation.item.audio_output.delta', item_id: 'tts_2', delta: randomBytes(480).toString('base64'), context_id: cancelled });
    const cancel = await peer.until('context.cancel');
    expect(cancel.event.context_id).toBe(cancelled);
    // Sent before the server saw the cancel: the audio, a failure, and only then the answer.
    peer.send({ type: 'conversation.item.audio_output.delta', item_id: 'tts_2', delta: randomBytes(480).toString('base64'), context_id: cancelled });
    peer.send(failure({ context_id: cancelled }));
    peer.send({ type: 'context.cancelled', context_id: cancelled });
    peer.send({ type: 'conversation.item.audio_output.delta', item_id: 'tts_1', delta: randomBytes(480).toString('base64'), context_id: done });
    peer.send({ type: 'conversation.item.word_timestamps', item_id: 'tts_1', words: ['late'], start_seconds: [0], end_seconds: [1], context_id: done });
    peer.send(failure({ context_id: done }));
    const next = await committedContext(peer);
    speakItem(peer, 'tts_3', fresh, 480, { context_id: next });
    peer.send({ type: 'rate_limits.updated' });
    await peer.until('input_text_buffer.clear');
    peer.socket.close(1000);
  });
  const tts = await connect();
  expect(await collectAudio(tts.speak('Done.', { settleMs: SETTLE_MS }))).toHaveLength(480);
  const interrupted = tts.speak('Cancelled.', { settleMs: SETTLE_MS });
  for await (const _chunk of interrupted) break;
  expect(await collectAudio(tts.speak('Fresh.', { settleMs: SETTLE_MS }))).toEqual(fresh);
  await tts.clear();
  expect(await generalEvents(tts)).toEqual({ types: ['rate_limits.updated'], failure: undefined });
  await fake.scriptsFinished();
  await tts.close();
});

test('context.cancelled answers a cancel and is consumed, with or without its context; one nobody asked for reaches events()', async () => {
  fake.onSession(TTS, async (peer) => {
    sessionCreated(peer);
    await peer.until('context.cancel');
    await peer.until('context.cancel');
    peer.send({ type: 'context.cancelled', context_id: 'ctx_b' });
    peer.send({ type: 'context.cancelled' });
    peer.send({ type: 'context.cancelled', context_id: 'ctx_c' });
    peer.send({ type: 'context.cancelled' });
    peer.socket.close(1000);
  });
  const tts = await connect();
  await tts.cancel('ctx_a');
  await tts.cancel('ctx_b');
  const events: RealtimeTtsEvent[] = await collect(tts.events());
  expect(events).toEqual([{ type: 'context.cancelled', context_id: 'ctx_c' }, { type: 'context.cancelled' }]);
  expect(fake.peers[0].received).toEqual([
    { type: 'context.cancel', context_id: 'ctx_a' },
    { type: 'context.cancel', context_id: 'ctx_b' },
  ]);
  await tts.close();
});

test('while a cancel is unanswered, audio naming no context is taken as the cancelled context’s and dropped', async () => {
  const fresh = randomBytes(960);
  fake.onSession(TTS, async (peer) => {
    sessionCreated(peer);
    await committedContext(peer);
    peer.send({ type: 'conversation.item.audio_output.delta', item_id: 'tts_1', delta: randomBytes(480).toString('base64') });
    await committedContext(peer);
    await peer.until('context.cancel');
    peer.send({ type: 'conversation.item.audio_output.delta', item_id: 'tts_1', delta: randomBytes(480).toString('base64') });
    peer.send({ type: 'conversation.item.audio_output.done', item_id: 'tts_1' });
    peer.send({ type: 'context.cancelled' });
    speakItem(peer, 'tts_2', fresh, 480);
  });
  const tts = await connect();
  const first = tts.speak('First.', { settleMs: SETTLE_MS });
  const reader = first[Symbol.asyncIterator]();
  expect((await reader.next()).value).toHaveLength(480);
  const second = collectAudio(tts.speak('Second.', { settleMs: SETTLE_MS }));
  await within(2000, 'the second commit', new Promise<void>((resolve) => {
    const poll = setInterval(() => {
      if (fake.peers[0].received.filter((event) => event.type === 'input_text_buffer.commit').length === 2) {
        clearInterval(poll);
        resolve();
      }
    }, 5);
  }));
  await first.cancel();
  expect(await second).toEqual(fresh);
  await tts.close();
});

test('once the server has named a context, audio without one is not guessed to be a turn’s, and events a turn does not consume reach events()', async () => {
  const pcm = randomBytes(960);
  fake.onSession(TTS, async (peer) => {
    sessionCreated(peer);
    const context = await committedContext(peer);
    peer.send({ type: 'conversation.item.input_text.received', text: 'One.', context_id: context });
    peer.send({ type: 'conversation.item.audio_output.delta', item_id: 'tts_x', delta: 'AAAA' });
    peer.send({ type: 'rate_limits.updated', context_id: context });
    speakItem(peer, 'tts_1', pcm, 480, { context_id: context });
    await peer.until('input_text_buffer.clear');
    peer.socket.close(1000);
  });
  const tts = await connect();
  expect(await collectAudio(tts.speak('One.', { settleMs: SETTLE_MS }))).toEqual(pcm);
  await tts.clear();
  expect((await generalEvents(tts)).types).toEqual(['conversation.item.audio_output.delta', 'rate_limits.updated']);
  await tts.close();
});

test('an event without a type ends the session: turns in flight and events() fail with RealtimeProtocolError, and later turns too', async () => {
  fake.onSession(TTS, async (peer) => {
    sessionCreated(peer);
    const context = await committedContext(peer);
    peer.send({ type: 'conversation.item.audio_output.delta', item_id: 'tts_1', delta: 'AAAA', context_id: context });
    peer.send({ item_id: 'tts_1', delta: 'AAAA', context_id: context });
  });
  const tts = await connect();
  const heard: Buffer[] = [];
  const turnFailure = await rejection(
    (async () => {
      for await (const chunk of tts.speak('Hi.')) heard.push(chunk);
    })(),
  );
  expect(turnFailure).toBeInstanceOf(RealtimeProtocolError);
  expect(turnFailure).toMatchObject({ name: 'RealtimeProtocolError', message: 'The server sent a realtime event without a "type".' });
  expect(heard).toEqual([Buffer.alloc(3)]);
  expect((await generalEvents(tts)).failure).toBe(turnFailure);
  expect(await rejection(collectAudio(tts.speak('Again.')))).toBe(turnFailure);
  await tts.close();
});

test('a session closed by the server fails turns that were waiting for a free context with RealtimeClosedError', async () => {
  fake.onSession(TTS, async (peer) => {
    sessionCreated(peer);
    await committedContext(peer);
    peer.socket.close(1001, 'going away');
  });
  const tts = await connect({ maxContexts: 1 });
  const [first, waiting] = await Promise.all([rejection(collectAudio(tts.speak('One.'))), rejection(collectAudio(tts.speak('Two.')))]);
  for (const error of [first, waiting]) {
    expect(error).toBeInstanceOf(RealtimeClosedError);
    expect(error).toMatchObject({ name: 'RealtimeClosedError', closeCode: 1001, reason: 'going away', message: 'The realtime connection closed unexpectedly during the session (close code 1001: going away).' });
  }
  expect(fake.peers[0].received.filter((event) => event.type === 'input_text_buffer.commit')).toHaveLength(1);
  await tts.close();
});

test('a dropped connection is RealtimeClosedError 1006 without a reason; events() throws the same error', async () => {
  fake.onSession(TTS, async (peer) => {
    sessionCreated(peer);
    await committedContext(peer);
    peer.socket.terminate();
  });
  const tts = await connect();
  const error = await rejection(collectAudio(tts.speak('One.')));
  expect(error).toBeInstanceOf(RealtimeClosedError);
  expect(error).toMatchObject({ closeCode: 1006, reason: '', message: 'The realtime connection closed unexpectedly during the session (close code 1006).' });
  expect(await generalEvents(tts)).toEqual({ types: [], failure: error });
  await tts.close();
});

test('after close(), a turn is refused with a message that says the session is closed', async () => {
  fake.onSession(TTS, (peer) => sessionCreated(peer));
  const tts = await connect();
  await tts.close();
  const error = await rejection(collectAudio(tts.speak('Too late.')));
  expect(error).toBeInstanceOf(Error);
  expect(error).not.toBeInstanceOf(RealtimeClosedError);
  expect((error as Error).message).toBe('The realtime session is closed; open a new one.');
});

test('a server that stops answering pings fails the turn in flight with RealtimeKeepaliveError, named so in logs', async () => {
  const silent = await FakeRealtime.start({ autoPong: false });
  try {
    silent.onSession(TTS, (peer) => sessionCreated(peer));
    const tts = await RealtimeTTS.connect({ apiKey: silent.apiKey, baseURL: silent.baseURL, pingIntervalMs: 100, pongTimeoutMs: 150 });
    const error = await within(5000, 'the turn', rejection(collectAudio(tts.speak('Hello?'))));
    expect(error).toBeInstanceOf(RealtimeKeepaliveError);
    expect(String(error)).toMatch(/^RealtimeKeepaliveError: /);
    await tts.close();
  } finally {
    await silent.close();
  }
});

test('on a platform WebSocket, which cannot pause, audio piling up unread past maxQueuedBytes fails the turn with RealtimeOverflowError', async () => {
  fake.onSession(TTS, async (peer) => {
    sessionCreated(peer);
    const context = await committedContext(peer);
    for (let i = 0; i < 64; i += 1) peer.send({ type: 'conversation.item.audio_output.delta', item_id: 'tts_1', delta: Buffer.alloc(1024).toString('base64'), context_id: context });
  });
  const tts = await connect({ dangerouslyAllowBrowser: true, WebSocket: WebSocket as unknown as PlatformWebSocketConstructor, maxQueuedBytes: 16 * 1024 });
  const reader = tts.speak('A lot.')[Symbol.asyncIterator]();
  await reader.next();
  await new Promise((resolve) => setTimeout(resolve, 200));
  const error = await rejection(
    (async () => {
      while (!(await reader.next()).done);
    })(),
  );
  expect(error).toBeInstanceOf(RealtimeOverflowError);
  expect(String(error)).toBe('RealtimeOverflowError: More than 16384 bytes of realtime events arrived unread; read them faster or raise maxQueuedBytes.');
  await tts.close();
});

test('events() stops waiting when its signal aborts, with the signal’s reason', async () => {
  fake.onSession(TTS, (peer) => sessionCreated(peer));
  const tts = await connect();
  const reason = new Error('stop listening');
  expect(await rejection(collect(tts.events({ signal: AbortSignal.timeout(50) })))).toMatchObject({ name: 'TimeoutError' });
  const controller = new AbortController();
  const listening = rejection(collect(tts.events({ signal: controller.signal })));
  controller.abort(reason);
  expect(await listening).toBe(reason);
  await tts.close();
});

test('the session remembers the last 1000 finished contexts: late events of those reach nobody, those of older ones reach events()', async () => {
  const turns = 1001;
  fake.onSession(
    TTS,
    async (peer) => {
      sessionCreated(peer);
      for (let i = 0; i < turns; i += 1) await committedContext(peer);
      for (const context of ['turn_0', 'turn_1', `turn_${turns - 1}`]) {
        peer.send({ type: 'conversation.item.audio_output.delta', item_id: 'late', delta: 'AAAA', context_id: context });
      }
      peer.socket.close(1000);
    },
    { record: false },
  );
  const tts = await connect();
  // Whitespace alone is spoken as nothing: each turn is over at its commit.
  for (let i = 0; i < turns; i += 1) await collectAudio(tts.speak([' '], { contextId: `turn_${i}` }));
  const late = await collect(tts.events());
  expect(late).toEqual([{ type: 'conversation.item.audio_output.delta', item_id: 'late', delta: 'AAAA', context_id: 'turn_0' }]);
  await tts.close();
});

test('a server that names contexts only in its context.cancelled answers still has its unnamed audio go to the turn in flight', async () => {
  const pcm = randomBytes(960);
  fake.onSession(TTS, async (peer) => {
    sessionCreated(peer);
    const { event } = await peer.until('context.cancel');
    peer.send({ type: 'context.cancelled', context_id: event.context_id });
    await committedContext(peer);
    speakItem(peer, 'tts_1', pcm, 480);
  });
  const tts = await connect();
  await tts.cancel('earlier');
  expect(await collectAudio(tts.speak('Hi.', { settleMs: SETTLE_MS, turnTimeoutMs: 1000 }))).toEqual(pcm);
  await tts.close();
});

test('a new turn in a context whose cancel is not answered yet hears none of the old turn’s late audio, and its own once the server answers', async () => {
  const fresh = randomBytes(960);
  fake.onSession(TTS, async (peer) => {
    sessionCreated(peer);
    const context = { context_id: await committedContext(peer) };
    peer.send({ type: 'conversation.item.audio_output.delta', item_id: 'tts_1', delta: randomBytes(480).toString('base64'), ...context });
    await peer.until('context.cancel');
    await committedContext(peer);
    peer.send({ type: 'conversation.item.audio_output.delta', item_id: 'tts_1', delta: randomBytes(480).toString('base64'), ...context });
    peer.send({ type: 'context.cancelled', ...context });
    speakItem(peer, 'tts_2', fresh, 480, context);
  });
  const tts = await connect();
  for await (const _chunk of tts.speak('Interrupted.', { contextId: 'narrator' })) break;
  expect(await collectAudio(tts.speak('Again.', { contextId: 'narrator', settleMs: SETTLE_MS }))).toEqual(fresh);
  await tts.close();
});

test('a context_id of null names no context: the audio goes to the turn in flight', async () => {
  const pcm = randomBytes(960);
  fake.onSession(TTS, async (peer) => {
    sessionCreated(peer);
    await committedContext(peer);
    speakItem(peer, 'tts_1', pcm, 480, { context_id: null });
  });
  const tts = await connect();
  expect(await collectAudio(tts.speak('Hi.', { settleMs: SETTLE_MS, turnTimeoutMs: 1000 }))).toEqual(pcm);
  await tts.close();
});

test('a context.cancelled answers the cancel of the context it names only: the other cancels stay pending, and a late event of a cancelling context is not taken for its answer', async () => {
  const late = (item: string) => ({ type: 'conversation.item.audio_output.delta', item_id: item, delta: 'AAAA', context_id: 'ctx_a' });
  fake.onSession(TTS, async (peer) => {
    sessionCreated(peer);
    await peer.until('context.cancel');
    await peer.until('context.cancel');
    peer.send({ type: 'context.cancelled', context_id: 'ctx_x' });
    peer.send({ type: 'context.cancelled', context_id: 'ctx_b' });
    peer.send(late('before_answer'));
    peer.send({ type: 'context.cancelled', context_id: 'ctx_a' });
    peer.send(late('after_answer'));
    peer.socket.close(1000);
  });
  const tts = await connect();
  await tts.cancel('ctx_a');
  await tts.cancel('ctx_b');
  expect(await collect(tts.events())).toEqual([{ type: 'context.cancelled', context_id: 'ctx_x' }, late('after_answer')]);
  await tts.close();
});
