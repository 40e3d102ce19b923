import { getEventListeners } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import { WebSocket as WsWebSocket } from 'ws';
import {
  APITimeoutError,
  APIUserAbortError,
  type PlatformWebSocketConstructor,
  RealtimeClosedError,
  RealtimeError,
  RealtimeKeepaliveError,
  RealtimeOverflowError,
  RealtimeProtocolError,
  type RealtimeTranscription,
  type RealtimeTTS,
  TogetherAudioError,
  realtimeURL,
} from '../src';
import type { ServerPeer } from './support/fake-realtime';
import { recordTimers, rejection, transcriptionSessionCreated, useFakeRealtime, waitingSend, within } from './support/realtime-session';

// What the realtime connection itself guarantees, whatever the session on top: the server's first
// event must be session.created, every event must be a JSON object with a string `type`, a send
// waiting for the socket to drain is rejected, never left hanging, when the connection ends, close()
// always settles and leaves nothing running, and liveness pings never take a slow reader for a dead peer.

const STT = '/realtime';
const TTS = '/audio/speech/websocket';
const { fake, transcription: connect, tts: connectTts } = useFakeRealtime();

async function firstFailure(session: RealtimeTranscription | RealtimeTTS): Promise<unknown> {
  try {
    for await (const _event of session.events()) {
      // events before the failure
    }
  } catch (error) {
    return error;
  }
  return undefined;
}

/** Transcription deltas numbered from 0, `bytes` long each, sent as fast as the socket takes them. */
function flood(peer: ServerPeer, count: number, bytes = 1024): void {
  for (let seq = 0; seq < count; seq += 1) {
    peer.send({ type: 'conversation.item.input_audio_transcription.delta', item_id: 'item_flood', delta: `${seq}:`.padEnd(bytes, 'x') });
  }
}

function seqOf(event: { type: string }): number {
  return Number.parseInt(String((event as { delta?: string }).delta).split(':')[0], 10);
}

/** `ws`'s WebSocket class in the role of a platform (WHATWG) WebSocket: no headers, no pause, no ping. */
const platform = { dangerouslyAllowBrowser: true, WebSocket: WsWebSocket as unknown as PlatformWebSocketConstructor };

describe('the websocket URL', () => {
  it('keeps ws: and wss: base URLs, maps http(s) to ws(s), and drops any trailing slashes', () => {
    expect(realtimeURL('wss://api.together.ai/v1', STT).href).toBe('wss://api.together.ai/v1/realtime');
    expect(realtimeURL('ws://127.0.0.1:8080/v1///', STT, { model: 'm' }).href).toBe('ws://127.0.0.1:8080/v1/realtime?model=m');
    expect(realtimeURL('https://api.together.ai/v1//', TTS).href).toBe('wss://api.together.ai/v1/audio/speech/websocket');
    expect(realtimeURL('http://127.0.0.1:8080/v1', STT).href).toBe('ws://127.0.0.1:8080/v1/realtime');
  });

  it('refuses any other protocol with a TypeError naming it', () => {
    let error: unknown;
    try {
      realtimeURL('ftp://example.com/v1', STT);
    } catch (caught) {
      error = caught;
    }
    expect((error as Error).constructor).toBe(TypeError);
    expect((error as Error).message).toBe('Invalid baseURL protocol "ftp:": expected http(s) or ws(s).');
  });

  it('connects over a ws: base URL with trailing slashes', async () => {
    fake.onSession(STT, (peer) => transcriptionSessionCreated(peer));
    const stt = await connect({ baseURL: `${fake.baseURL.replace(/^http:/, 'ws:')}//` });
    expect(fake.upgrades.map((upgrade) => upgrade.url.pathname)).toEqual(['/v1/realtime']);
    await stt.close();
  });
});

describe('socket options', () => {
  const minimums: Array<[string, number]> = [
    ['highWaterMark', 0],
    ['maxQueuedBytes', 1],
    ['handshakeTimeoutMs', 1],
    ['sessionTimeoutMs', 1],
    ['pingIntervalMs', 0],
    ['pongTimeoutMs', 1],
    ['closeTimeoutMs', 0],
  ];

  it.each(minimums)('%s must be a finite number of at least %d: a TypeError naming it, before any connection', async (name, min) => {
    for (const value of [min - 1, Number.NaN, Number.POSITIVE_INFINITY, String(min + 1)]) {
      const error = await rejection(connect({ [name]: value }));
      expect((error as Error).constructor).toBe(TypeError);
      expect((error as Error).message).toBe(`${name} must be a number of at least ${min}, got ${String(value)}.`);
    }
    expect(fake.upgrades).toEqual([]);
  });
});

describe('the first event', () => {
  it('must be session.created: any other event is refused and the socket closed', async () => {
    let closed: Promise<{ code: number }> | undefined;
    fake.onSession(STT, (peer) => {
      closed = peer.closed;
      peer.send({ type: 'conversation.item.input_audio_transcription.completed', transcript: 'too early' });
    });
    const error = await connect().catch((e: unknown) => e);
    expect((error as Error).constructor).toBe(RealtimeProtocolError);
    expect((error as Error).message).toBe('Expected session.created as the first realtime event, got conversation.item.input_audio_transcription.completed.');
    expect(await closed).toMatchObject({ code: 1000 });
  });

  it.each([
    ['an object without a type', { session: { id: 'sess' } }],
    ['a type that is not a string', { type: 42 }],
    ['null', null],
  ])('%s is refused as an event without a type', async (_label, event) => {
    fake.onSession(STT, (peer) => peer.socket.send(JSON.stringify(event)));
    const error = await connect().catch((e: unknown) => e);
    expect((error as Error).constructor).toBe(RealtimeProtocolError);
    expect((error as Error).message).toBe('The server sent a realtime event without a "type".');
  });

  it('a malformed event in the same packet as the upgrade fails connect, and the server sees the socket closed', async () => {
    let closed: Promise<{ code: number }> | undefined;
    fake.onSession(STT, (peer) => {
      closed = peer.closed;
      peer.socket.send('not an event');
    });
    const error = await connect().catch((e: unknown) => e);
    expect((error as Error).constructor).toBe(RealtimeProtocolError);
    expect(await within(3000, 'the server seeing the close', closed!)).toMatchObject({ code: 1006 });
  });
});

describe('waiting for session.created', () => {
  it('connects when session.created comes a while after the upgrade', async () => {
    fake.onSession(STT, async (peer) => {
      await delay(50);
      transcriptionSessionCreated(peer);
    });
    const stt = await within(3000, 'connect', connect());
    expect(stt.session.id).toBe('sess_stt');
    await stt.close();
  });

  it('the signal aborts the wait: APIUserAbortError with its reason, the socket closed, no listener left on the signal', async () => {
    let closed: Promise<{ code: number }> | undefined;
    fake.onSession(STT, (peer) => {
      closed = peer.closed; // and no session.created
    });
    const controller = new AbortController();
    const connecting = rejection(connect({ signal: controller.signal }));
    // Upgraded: the client waits for session.created.
    await within(3000, 'the upgrade', (async () => {
      while (fake.peers.length === 0) await delay(10);
    })());
    await delay(50);
    controller.abort(new Error('user went away'));
    const error = await within(3000, 'connect', connecting);
    expect((error as Error).constructor).toBe(APIUserAbortError);
    expect((error as Error).cause).toEqual(new Error('user went away'));
    expect(await within(3000, 'the server seeing the close', closed!)).toMatchObject({ code: 1000 });
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('a session that opened leaves no listener on the signal, and aborting it later changes nothing', async () => {
    fake.onSession(STT, async (peer) => {
      await delay(50);
      transcriptionSessionCreated(peer);
      await peer.until('input_audio_buffer.commit');
      peer.send({ type: 'conversation.item.input_audio_transcription.completed', transcript: 'after the abort' });
    });
    const controller = new AbortController();
    const stt = await connect({ signal: controller.signal, turnDetection: null });
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    controller.abort();
    await stt.appendAudio(new Uint8Array(3200));
    await stt.commit();
    for await (const transcript of stt.transcripts()) {
      expect(transcript).toBe('after the abort');
      break;
    }
    await stt.close();
  });

  it('silence past sessionTimeoutMs fails connect with APITimeoutError naming it', async () => {
    fake.onSession(STT, () => undefined);
    const error = await within(3000, 'connect', rejection(connect({ sessionTimeoutMs: 100 })));
    expect((error as Error).constructor).toBe(APITimeoutError);
    expect((error as Error).message).toBe('No session.created arrived within 100 ms of the realtime upgrade.');
  });

  it('a failure event instead of session.created fails connect with its RealtimeError', async () => {
    fake.onSession(STT, (peer) => peer.send({ type: 'error', error: { message: 'Model not available', type: 'invalid_request_error', code: 'model_not_available' } }));
    const error = await rejection(connect());
    expect((error as Error).constructor).toBe(RealtimeError);
    expect(error).toMatchObject({ code: 'model_not_available', eventType: 'error' });
  });

  it('a normal close (1000) instead of session.created fails connect at once with RealtimeClosedError naming code and reason', async () => {
    fake.onSession(STT, async (peer) => {
      await delay(50);
      peer.socket.close(1000, 'not today');
    });
    const error = await within(3000, 'connect', rejection(connect()));
    expect((error as Error).constructor).toBe(RealtimeClosedError);
    expect(error).toMatchObject({ closeCode: 1000, reason: 'not today', message: 'The realtime connection closed unexpectedly before session.created (close code 1000: not today).' });
  });
});

describe('events during the session', () => {
  it.each([
    ['an event without a type', JSON.stringify({ transcript: 'no type' }), 'The server sent a realtime event without a "type".'],
    ['a message that is not JSON', '{"type": "conversation.item', 'The server sent a realtime message that is not a JSON event.'],
  ])('%s fails the session with RealtimeProtocolError', async (_label, message, expected) => {
    fake.onSession(STT, (peer) => {
      transcriptionSessionCreated(peer);
      peer.socket.send(message);
    });
    const stt = await connect();
    const error = await firstFailure(stt);
    expect((error as Error)?.constructor).toBe(RealtimeProtocolError);
    expect((error as Error).message).toBe(expected);
    await stt.close();
  });

  it('a binary frame fails the session with RealtimeProtocolError, even one holding a JSON event', async () => {
    fake.onSession(STT, (peer) => {
      transcriptionSessionCreated(peer);
      peer.socket.send(Buffer.from('{"type":"x"}'), { binary: true });
    });
    const stt = await connect();
    const error = await firstFailure(stt);
    expect((error as Error)?.constructor).toBe(RealtimeProtocolError);
    expect((error as Error).message).toBe('The server sent a realtime message that is not a JSON event.');
    await stt.close();
  });
});

describe('the end of the session', () => {
  it('a server close other than 1000 fails the session with RealtimeClosedError naming its code and reason', async () => {
    fake.onSession(STT, (peer) => {
      transcriptionSessionCreated(peer);
      peer.socket.close(1011, 'overloaded');
    });
    const stt = await connect();
    const error = await firstFailure(stt);
    expect((error as Error).constructor).toBe(RealtimeClosedError);
    expect(error).toMatchObject({ closeCode: 1011, reason: 'overloaded', message: 'The realtime connection closed unexpectedly during the session (close code 1011: overloaded).' });
    await stt.close();
  });

  it("a send after the server's close frame, before the socket has closed, is refused as RealtimeClosedError, not sent into the void", async () => {
    fake.onSession(STT, (peer) => {
      transcriptionSessionCreated(peer);
      // The last event and the close frame in one packet: the client reads both before it can react.
      peer.tcp.cork();
      peer.send({ type: 'conversation.item.input_audio_transcription.completed', transcript: 'last words' });
      peer.socket.close(1000, 'done');
      peer.tcp.uncork();
    });
    const stt = await connect();
    let error: unknown;
    for await (const event of stt.events()) {
      expect(event).toMatchObject({ transcript: 'last words' });
      error = await rejection(stt.appendAudio(new Uint8Array(3200)));
    }
    expect((error as Error).constructor).toBe(RealtimeClosedError);
    // The socket is closing but its close event, with the code and reason, has not come yet.
    expect(error).toMatchObject({ closeCode: 1006, reason: '', message: 'The realtime connection closed unexpectedly before the event was sent (close code 1006).' });
    await stt.close();
  });

  it("after a normal server close (1000) the events end, and a send reports the server's close code and reason", async () => {
    fake.onSession(STT, (peer) => {
      transcriptionSessionCreated(peer);
      peer.socket.close(1000, 'bye');
    });
    const stt = await connect();
    expect(await firstFailure(stt)).toBeUndefined();
    const error = await rejection(stt.appendAudio(new Uint8Array(3200)));
    expect((error as Error).constructor).toBe(RealtimeClosedError);
    expect(error).toMatchObject({ closeCode: 1000, reason: 'bye' });
    await stt.close();
  });

  it('a send after the session failed is rejected with the error that failed it', async () => {
    fake.onSession(TTS, (peer) => {
      transcriptionSessionCreated(peer);
      peer.socket.send('{"type": "broken');
    });
    const tts = await connectTts();
    const failure = await firstFailure(tts);
    expect((failure as Error).constructor).toBe(RealtimeProtocolError);
    expect(await rejection(tts.append('Hello.'))).toBe(failure);
    await tts.close();
  });

  it("close() after the server has ended the session changes nothing: a send still reports the server's close", async () => {
    fake.onSession(TTS, (peer) => {
      transcriptionSessionCreated(peer);
      peer.socket.close(1000, 'bye');
    });
    const tts = await connectTts();
    expect(await firstFailure(tts)).toBeUndefined();
    await within(1000, 'close()', tts.close());
    const error = await rejection(tts.append('Hello.'));
    expect((error as Error).constructor).toBe(RealtimeClosedError);
    expect(error).toMatchObject({ closeCode: 1000, reason: 'bye', message: 'The realtime connection closed unexpectedly before the event was sent (close code 1000: bye).' });
  });

  it('close() against a peer that never answers the close frame ends the session as requested, without an error', async () => {
    fake.onSession(TTS, (peer) => {
      transcriptionSessionCreated(peer);
      peer.socket.pause(); // never reads, so never answers, the close frame
    });
    const tts = await connectTts({ closeTimeoutMs: 100 });
    const reading = firstFailure(tts);
    await within(3000, 'close()', tts.close());
    expect(await reading).toBeUndefined();
    const error = await rejection(tts.append('Hello.'));
    expect((error as Error).constructor).toBe(TogetherAudioError);
    expect((error as Error).message).toBe('The realtime session is closed; open a new one.');
  });

  it('close() while reading is paused for a slow reader still completes the closing handshake, well within closeTimeoutMs', async () => {
    let closed: Promise<{ code: number }> | undefined;
    fake.onSession(
      STT,
      (peer) => {
        closed = peer.closed;
        transcriptionSessionCreated(peer);
        flood(peer, 1000);
      },
      { record: false },
    );
    const stt = await connect({ maxQueuedBytes: 16 * 1024, closeTimeoutMs: 30_000 });
    await delay(200); // reading paused past 16 KiB; the rest waits in the socket
    await within(5000, 'close()', stt.close());
    expect(await within(3000, 'the server seeing the close', closed!)).toMatchObject({ code: 1000 });
  });

  it('events that arrive after close() are discarded, not queued for a reader', async () => {
    const total = 2000;
    fake.onSession(STT, (peer) => {
      transcriptionSessionCreated(peer);
      flood(peer, total);
    });
    const stt = await connect({ maxQueuedBytes: 16 * 1024 });
    await delay(200); // reading paused past 16 KiB; the rest waits in the socket
    await stt.close();
    let read = 0;
    for await (const _event of stt.events()) read += 1;
    expect(read).toBeGreaterThan(0);
    expect(read).toBeLessThan(total / 4);
  });

  it('a close the server answers leaves no timer behind: no ping interval, no close grace timer', async () => {
    fake.onSession(STT, (peer) => transcriptionSessionCreated(peer));
    const timers = recordTimers();
    try {
      const stt = await connect({ closeTimeoutMs: 60_000, pingIntervalMs: 60_000 });
      await stt.close();
      await fake.peers[0].closed;
      expect(await timers.pending()).toBe(0);
    } finally {
      timers.stop();
    }
  });

  it('a session the server drops leaves no timer behind', async () => {
    fake.onSession(STT, (peer) => {
      transcriptionSessionCreated(peer);
      peer.socket.terminate();
    });
    const timers = recordTimers();
    try {
      const stt = await connect({ pingIntervalMs: 60_000 });
      expect((await firstFailure(stt))?.constructor).toBe(RealtimeClosedError);
      expect(await timers.pending()).toBe(0);
    } finally {
      timers.stop();
    }
  });
});

describe('sends waiting for the socket to drain', () => {
  it('are rejected with RealtimeClosedError, not left hanging, when the server drops the connection', async () => {
    let dropConnection!: () => void;
    const dropped = new Promise<void>((resolve) => (dropConnection = resolve));
    fake.onSession(
      STT,
      async (peer) => {
        transcriptionSessionCreated(peer);
        // A server that reads nothing: the client's socket fills up and its sends must wait.
        peer.socket.pause();
        await dropped;
        peer.socket.terminate();
      },
      { record: false },
    );
    const stt = await connect({ highWaterMark: 0 });
    const waiting = (await waitingSend(stt)).send;
    expect(stt.bufferedAmount).toBeGreaterThan(0);

    dropConnection();

    const error = await within(3000, 'the waiting send', rejection(waiting));
    expect((error as Error).constructor).toBe(RealtimeClosedError);
    expect((error as RealtimeClosedError).closeCode).toBe(1006);
    await stt.close();
  });

  it('are rejected as closed by the caller when close() gives up on a server that reads nothing', async () => {
    fake.onSession(
      STT,
      (peer) => {
        transcriptionSessionCreated(peer);
        peer.socket.pause();
      },
      { record: false },
    );
    const stt = await connect({ highWaterMark: 0, closeTimeoutMs: 100 });
    const waiting = (await waitingSend(stt)).send;
    const closing = stt.close();
    const error = await within(3000, 'the waiting send', rejection(waiting));
    expect((error as Error).constructor).toBe(TogetherAudioError);
    expect((error as Error).message).toBe('The realtime session is closed; open a new one.');
    await within(3000, 'close()', closing);
  });
});

describe('liveness pings', () => {
  function countPings(peer: ServerPeer): { count: number } {
    const pings = { count: 0 };
    peer.socket.on('ping', () => {
      pings.count += 1;
    });
    return pings;
  }

  it('pingIntervalMs: 0 sends none', async () => {
    let pings: { count: number } | undefined;
    fake.onSession(STT, (peer) => {
      pings = countPings(peer);
      transcriptionSessionCreated(peer);
    });
    const stt = await connect({ pingIntervalMs: 0 });
    await delay(100);
    expect(pings?.count).toBe(0);
    await stt.close();
  });

  it('a peer that answers them keeps the session open long past pongTimeoutMs', async () => {
    let pings: { count: number } | undefined;
    fake.onSession(STT, async (peer) => {
      pings = countPings(peer);
      transcriptionSessionCreated(peer);
      await peer.until('input_audio_buffer.commit');
      peer.send({ type: 'conversation.item.input_audio_transcription.completed', transcript: 'still here' });
    });
    const stt = await connect({ pingIntervalMs: 20, pongTimeoutMs: 250, turnDetection: null });
    await delay(600);
    expect(pings?.count).toBeGreaterThanOrEqual(3);
    await stt.appendAudio(new Uint8Array(3200));
    await stt.commit();
    for await (const transcript of stt.transcripts()) {
      expect(transcript).toBe('still here');
      break;
    }
    await stt.close();
  });

  it('a pong the client did not ask for is ignored: RFC 6455 allows one as a one-way heartbeat', async () => {
    fake.onSession(STT, async (peer) => {
      transcriptionSessionCreated(peer);
      peer.socket.pong();
      await peer.until('input_audio_buffer.commit');
      peer.send({ type: 'conversation.item.input_audio_transcription.completed', transcript: 'after the pong' });
    });
    const stt = await connect({ pingIntervalMs: 0, turnDetection: null });
    await delay(50);
    await stt.appendAudio(new Uint8Array(3200));
    await stt.commit();
    for await (const transcript of stt.transcripts()) {
      expect(transcript).toBe('after the pong');
      break;
    }
    await stt.close();
  });

  it('a slow reader is not taken for a dead peer: no pings while reading is paused', async () => {
    const total = 1000;
    fake.onSession(STT, (peer) => {
      transcriptionSessionCreated(peer);
      flood(peer, total);
    });
    const stt = await connect({ maxQueuedBytes: 16 * 1024, pingIntervalMs: 20, pongTimeoutMs: 250 });
    await delay(600); // paused far longer than pingIntervalMs + pongTimeoutMs
    let last = -1;
    for await (const event of stt.events()) {
      expect(seqOf(event)).toBe(last + 1);
      last = seqOf(event);
      if (last === total - 1) break;
    }
    await stt.close();
  });

  describe('with a peer that stops answering them', () => {
    const silent = useFakeRealtime({ autoPong: false });

    it('the session ends with RealtimeKeepaliveError naming pongTimeoutMs', async () => {
      silent.fake.onSession(STT, (peer) => transcriptionSessionCreated(peer));
      const stt = await silent.transcription({ pingIntervalMs: 20, pongTimeoutMs: 50 });
      const error = await within(3000, 'events()', firstFailure(stt));
      expect((error as Error).constructor).toBe(RealtimeKeepaliveError);
      expect((error as Error).message).toBe('The realtime server did not answer a ping within 50 ms; the connection is presumed dead.');
      await stt.close();
    });
  });
});

describe('over a platform WebSocket, which can neither pause reading nor ping', () => {
  it('pings are off, and with highWaterMark 0 a send the socket has already written out resolves', async () => {
    fake.onSession(STT, async (peer) => {
      transcriptionSessionCreated(peer);
      await peer.until('input_audio_buffer.commit');
      peer.send({ type: 'conversation.item.input_audio_transcription.completed', transcript: 'platform' });
    });
    const stt = await connect({ ...platform, highWaterMark: 0, pingIntervalMs: 10, pongTimeoutMs: 20, turnDetection: null });
    expect(fake.upgrades[0].headers.authorization).toBeUndefined();
    await delay(100); // past a ping interval and its pong timeout
    await within(2000, 'appendAudio', stt.appendAudio(new Uint8Array(3200)));
    await within(2000, 'commit', stt.commit());
    for await (const transcript of stt.transcripts()) {
      expect(transcript).toBe('platform');
      break;
    }
    await stt.close();
  });

  it('a reader behind by less than maxQueuedBytes is fine', async () => {
    fake.onSession(STT, (peer) => {
      transcriptionSessionCreated(peer);
      flood(peer, 12); // 12 KiB: over half of maxQueuedBytes, under all of it
    });
    const stt = await connect({ ...platform, maxQueuedBytes: 16 * 1024 });
    await delay(100);
    let read = 0;
    for await (const _event of stt.events()) {
      read += 1;
      if (read === 12) break;
    }
    await delay(50);
    await within(2000, 'appendAudio', stt.appendAudio(new Uint8Array(3200)));
    await stt.close();
  });

  it('past maxQueuedBytes of unread events the session fails with RealtimeOverflowError and the socket is closed', async () => {
    let closed: Promise<{ code: number }> | undefined;
    fake.onSession(STT, (peer) => {
      closed = peer.closed;
      transcriptionSessionCreated(peer);
      flood(peer, 64);
    });
    const stt = await connect({ ...platform, maxQueuedBytes: 16 * 1024 });
    await delay(200);
    const error = await firstFailure(stt);
    expect((error as Error).constructor).toBe(RealtimeOverflowError);
    expect((error as Error).message).toBe('More than 16384 bytes of realtime events arrived unread; read them faster or raise maxQueuedBytes.');
    expect(await within(3000, 'the server seeing the close', closed!)).toMatchObject({ code: 1000 });
    await stt.close();
  });
});
