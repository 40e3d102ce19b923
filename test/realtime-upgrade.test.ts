import { getEventListeners } from 'node:events';
import { type Socket, createServer } from 'node:net';
import { WebSocket as WsWebSocket } from 'ws';
import {
  APIConnectionError,
  APITimeoutError,
  APIUserAbortError,
  BadRequestError,
  type PlatformWebSocketConstructor,
  RealtimeClosedError,
  RealtimeOverflowError,
  RealtimeProtocolError,
  RealtimeTranscription,
  TogetherAudioError,
} from '../src';
import { errorData } from './support/fake-realtime';
import { rejection, transcriptionSessionCreated, useFakeRealtime, waitingSend, within } from './support/realtime-session';

// How a realtime socket is opened, over `ws` in Node or over a platform (WHATWG) WebSocket as in a
// browser (`ws`'s WebSocket class plays one here: it has the same interface and no headers): where the
// key travels, and that every failure to open is a TogetherAudioError naming the endpoint, never the key.

const STT = '/realtime';
const TTS = '/audio/speech/websocket';
const { fake, transcription: connect, tts: connectTts } = useFakeRealtime();
const platform = { dangerouslyAllowBrowser: true, WebSocket: WsWebSocket as unknown as PlatformWebSocketConstructor };
const transports: Array<[string, object]> = [
  ['ws', {}],
  ['a platform WebSocket', platform],
];

/** Resolves once the client has ended the connection (the server's side reads its end). */
function released(socket: Socket): Promise<void> {
  if (socket.readableEnded || socket.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    socket.once('end', resolve).once('close', resolve);
    socket.resume();
  });
}

function endpoint(path: string): string {
  return `${fake.baseURL.replace(/^http:/, 'ws:')}${path}`;
}

/**
 * Makes the global scope look like a browser page (a `window`, no Node runtime detected) while `body`
 * runs, or with `worker` like a web worker (no `window` either).
 */
async function asBrowserPage<T>(body: () => Promise<T>, WebSocket?: unknown, { worker = false } = {}): Promise<T> {
  const scope = globalThis as Record<string, unknown>;
  if (!worker) scope.window = { document: {} };
  if (WebSocket) scope.WebSocket = WebSocket;
  try {
    return await body();
  } finally {
    delete scope.window;
    if (WebSocket) delete scope.WebSocket;
  }
}

/**
 * Calls `start` with `globalThis.process` replaced, as a bundler's shim or a runtime without one would
 * have it. Opening a session picks its WebSocket before its first await, so the swap covers that choice.
 */
function withProcess<T>(process: unknown, start: () => T): T {
  const descriptor = Object.getOwnPropertyDescriptor(globalThis, 'process') as PropertyDescriptor;
  Object.defineProperty(globalThis, 'process', { value: process, configurable: true, writable: true });
  try {
    return start();
  } finally {
    Object.defineProperty(globalThis, 'process', descriptor);
  }
}

/** `ws`'s WebSocket class as a platform one that records the path of each socket it opens. */
function countingWebSocket(): { Counted: PlatformWebSocketConstructor; constructed: string[] } {
  const constructed: string[] = [];
  class Counted extends WsWebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols);
      constructed.push(new URL(url).pathname);
    }
  }
  return { Counted: Counted as unknown as PlatformWebSocketConstructor, constructed };
}

describe('over a platform WebSocket', () => {
  test('the transcription key travels as a subprotocol with intent=transcription, no Authorization header, and audio is transcribed', async () => {
    fake.onSession(STT, async (peer) => {
      transcriptionSessionCreated(peer);
      const { before } = await peer.until('input_audio_buffer.commit');
      peer.send({ type: 'conversation.item.input_audio_transcription.completed', transcript: `${before.length} append` });
    });
    const stt = await connect({ ...platform, turnDetection: null });
    await stt.appendAudio(Buffer.alloc(3200, 1));
    await stt.commit();
    for await (const transcript of stt.transcripts()) {
      expect(transcript).toBe('1 append');
      break;
    }
    await stt.close();
    const [upgrade] = fake.upgrades;
    expect(upgrade.headers.authorization).toBeUndefined();
    expect(String(upgrade.headers['sec-websocket-protocol']).split(',')).toEqual(['realtime', `openai-insecure-api-key.${fake.apiKey}`, 'openai-beta.realtime-v1']);
    expect(upgrade.url.searchParams.get('intent')).toBe('transcription');
    expect(await fake.peers[0].closed).toMatchObject({ code: 1000 });
  });

  test('a refused upgrade is an APIConnectionError naming the endpoint without its query, so never the key', async () => {
    fake.refuse(TTS, { status: 401, body: errorData('Invalid API key provided', 'invalid_api_key') });
    const error = await rejection(connectTts(platform));
    expect((error as Error).constructor).toBe(APIConnectionError);
    expect((error as Error).message).toBe(`Could not open the realtime connection to ${endpoint('/audio/speech/websocket')}.`);
    expect(fake.upgrades[0].url.searchParams.get('api_key')).toBe(fake.apiKey);
  });

  test('a close by the server reports its code and reason', async () => {
    fake.onSession(STT, (peer) => {
      transcriptionSessionCreated(peer);
      peer.socket.close(4503, 'no_healthy_workers');
    });
    const stt = await connect(platform);
    const error = await rejection(stt.events()[Symbol.asyncIterator]().next());
    expect(error).toBeInstanceOf(RealtimeClosedError);
    expect(error).toMatchObject({ closeCode: 4503, reason: 'no_healthy_workers' });
    await stt.close();
  });

  test('unread events may fill maxQueuedBytes exactly, an event read gives its bytes back, and one byte more fails the session', async () => {
    const delta = (text: string) => ({ type: 'conversation.item.input_audio_transcription.delta', item_id: 'item_1', delta: text });
    const eventBytes = JSON.stringify(delta('one')).length;
    fake.onSession(STT, async (peer) => {
      transcriptionSessionCreated(peer);
      peer.send(delta('one'));
      await peer.next();
      peer.send(delta('two'));
      await peer.next();
      peer.send(delta('six'));
      peer.send(delta('ten'));
    });
    for (const [maxQueuedBytes, outcome] of [
      [eventBytes, 'two'],
      [eventBytes - 1, 'RealtimeOverflowError'],
    ] as const) {
      const stt = await connect({ ...platform, maxQueuedBytes });
      await new Promise((resolve) => setTimeout(resolve, 50)); // the first event waits, unread
      const reader = stt.events()[Symbol.asyncIterator]();
      expect((await reader.next()).value).toEqual(delta('one'));
      if (outcome === 'two') {
        await stt.appendAudio(Buffer.alloc(320));
        expect((await reader.next()).value).toEqual(delta('two'));
        // Two unread events: the second goes past the bound of one.
        await stt.appendAudio(Buffer.alloc(320));
        await new Promise((resolve) => setTimeout(resolve, 50));
        expect((await reader.next()).value).toEqual(delta('six'));
        expect((await reader.next()).value).toEqual(delta('ten'));
        expect(await rejection(reader.next())).toBeInstanceOf(RealtimeOverflowError);
      } else {
        // The events that arrived before the failure are read first.
        const error = await rejection(reader.next());
        expect((error as Error).constructor).toBe(RealtimeOverflowError);
        expect((error as Error).message).toBe(`More than ${eventBytes - 1} bytes of realtime events arrived unread; read them faster or raise maxQueuedBytes.`);
      }
      await stt.close();
    }
  });

  test('reading one event gives back only its own bytes: the events still unread keep counting', async () => {
    const delta = (text: string) => ({ type: 'conversation.item.input_audio_transcription.delta', item_id: 'item_1', delta: text });
    const eventBytes = JSON.stringify(delta('one')).length;
    fake.onSession(STT, async (peer) => {
      transcriptionSessionCreated(peer);
      for (const text of ['one', 'two', 'six']) peer.send(delta(text));
      await peer.next();
      for (const text of ['ten', 'odd']) peer.send(delta(text));
    });
    const stt = await connect({ ...platform, maxQueuedBytes: Math.floor(eventBytes * 3.5) });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const reader = stt.events()[Symbol.asyncIterator]();
    expect((await reader.next()).value).toEqual(delta('one'));
    await stt.appendAudio(Buffer.alloc(320)); // two more arrive: four unread, past three and a half
    await new Promise((resolve) => setTimeout(resolve, 50));
    const read: unknown[] = [];
    const error = await rejection((async () => {
      for (let next = await reader.next(); !next.done; next = await reader.next()) read.push(next.value);
    })());
    expect(read).toEqual(['two', 'six', 'ten', 'odd'].map(delta));
    expect(error).toBeInstanceOf(RealtimeOverflowError);
    await stt.close();
  });

  test('a send waits until its buffer drains; one waiting when the connection drops is rejected with RealtimeClosedError', async () => {
    let resumeReading!: () => void;
    const resumed = new Promise<void>((resolve) => (resumeReading = resolve));
    let dropConnection!: () => void;
    const dropped = new Promise<void>((resolve) => (dropConnection = resolve));
    fake.onSession(
      STT,
      async (peer) => {
        transcriptionSessionCreated(peer);
        peer.socket.pause();
        await resumed;
        peer.socket.resume();
        await dropped;
        peer.socket.terminate();
      },
      { record: false },
    );
    const stt = await connect({ ...platform, highWaterMark: 0 });
    const first = (await waitingSend(stt)).send;
    resumeReading();
    await within(5000, 'the send once the server reads', first);
    fake.peers[0].socket.pause();
    const second = (await waitingSend(stt)).send;
    dropConnection();
    const error = await within(3000, 'the waiting send', rejection(second));
    expect((error as Error).constructor).toBe(RealtimeClosedError);
    await stt.close();
  });

  test('a binary frame fails the session with RealtimeProtocolError', async () => {
    fake.onSession(STT, (peer) => {
      transcriptionSessionCreated(peer);
      peer.socket.send(Buffer.from(JSON.stringify({ type: 'conversation.item.input_audio_transcription.delta', delta: 'hi' })), { binary: true });
    });
    const stt = await connect(platform);
    const error = await rejection(stt.events()[Symbol.asyncIterator]().next());
    expect(error).toBeInstanceOf(RealtimeProtocolError);
    await stt.close();
  });

  test('passing one needs dangerouslyAllowBrowser: true, refused before any I/O with the reason', async () => {
    const error = await rejection(connect({ WebSocket: platform.WebSocket }));
    expect((error as Error).constructor).toBe(TogetherAudioError);
    expect((error as Error).message).toBe(
      'The platform WebSocket cannot send an Authorization header, so the API key would travel in the URL or a subprotocol, ' +
        'readable by page scripts and proxies. Use a short-lived key and pass dangerouslyAllowBrowser: true to accept that.',
    );
    expect(fake.upgrades).toEqual([]);
  });

  test("outside Node the global WebSocket is used, and a runtime without one is told to pass it", async () => {
    fake.onSession(STT, (peer) => transcriptionSessionCreated(peer));
    const { Counted, constructed } = countingWebSocket();
    const stt = await asBrowserPage(() => connect({ dangerouslyAllowBrowser: true }), Counted);
    expect(constructed).toEqual(['/v1/realtime']);
    expect(fake.upgrades[0].headers.authorization).toBeUndefined();
    await stt.close();

    const error = await asBrowserPage(() => rejection(connect({ dangerouslyAllowBrowser: true })));
    expect((error as Error).constructor).toBe(TogetherAudioError);
    expect((error as Error).message).toBe('This runtime has no WebSocket; pass one as the WebSocket option.');
    expect(fake.upgrades).toHaveLength(1);
  });

  test('so it is in a page whose bundler defines a process without versions, and in a web worker (neither window nor process)', async () => {
    fake.onSession(STT, (peer) => transcriptionSessionCreated(peer));
    const { Counted, constructed } = countingWebSocket();
    const shimmed = await asBrowserPage(() => withProcess({ env: {}, browser: true }, () => connect({ dangerouslyAllowBrowser: true })), Counted);
    await shimmed.close();
    const inWorker = await asBrowserPage(() => withProcess(undefined, () => connect({ dangerouslyAllowBrowser: true })), Counted, { worker: true });
    await inWorker.close();
    expect(constructed).toEqual(['/v1/realtime', '/v1/realtime']);
    expect(fake.upgrades.map((upgrade) => upgrade.headers.authorization)).toEqual([undefined, undefined]);
  });
});

describe.each(transports)('opening over %s', (_name, transport) => {
  test('an upgrade never answered fails after handshakeTimeoutMs with APITimeoutError naming the endpoint and the wait, and its connection is closed', async () => {
    fake.stall(STT, 'upgrade');
    const error = await within(5000, 'connect', rejection(connect({ ...transport, handshakeTimeoutMs: 150 })));
    expect((error as Error).constructor).toBe(APITimeoutError);
    expect((error as Error).message).toBe(`The realtime upgrade to ${endpoint('/realtime')} got no answer within 150 ms.`);
    await within(2000, 'the client letting go of the connection', released(fake.stalled[0]));
  });

  test('aborting the signal during the upgrade rejects with APIUserAbortError carrying the reason, closes the connection, and leaves no listener', async () => {
    fake.stall(STT, 'upgrade');
    const controller = new AbortController();
    const reason = new Error('the user left');
    const connecting = rejection(connect({ ...transport, signal: controller.signal }));
    while (fake.upgrades.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    controller.abort(reason);
    const error = await within(2000, 'connect', connecting);
    expect((error as Error).constructor).toBe(APIUserAbortError);
    expect((error as Error).cause).toBe(reason);
    expect(getEventListeners(controller.signal, 'abort')).toEqual([]);
    await within(2000, 'the client letting go of the connection', released(fake.stalled[0]));
  });

  test('an aborted signal is refused before any upgrade', async () => {
    const error = await rejection(connect({ ...transport, signal: AbortSignal.abort(new Error('too late')) }));
    expect((error as Error).constructor).toBe(APIUserAbortError);
    expect(fake.upgrades).toEqual([]);
  });

  test('a session that opened leaves no listener on the signal, and its handshake deadline passing changes nothing', async () => {
    fake.onSession(STT, (peer) => transcriptionSessionCreated(peer));
    const controller = new AbortController();
    // Long enough for a loaded machine to open the session within it.
    const deadline = Date.now() + 1000;
    const stt = await connect({ ...transport, signal: controller.signal, handshakeTimeoutMs: 1000 });
    expect(getEventListeners(controller.signal, 'abort')).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, deadline + 100 - Date.now()));
    await stt.appendAudio(Buffer.alloc(320));
    await stt.close();
  });

  test('close() does the closing handshake at once: the server sees 1000, and close() settles long before closeTimeoutMs', async () => {
    fake.onSession(STT, (peer) => transcriptionSessionCreated(peer));
    const stt = await connect({ ...transport, closeTimeoutMs: 60_000 });
    await within(2000, 'close()', stt.close());
    expect(await within(2000, 'the server seeing the close', fake.peers[0].closed)).toMatchObject({ code: 1000 });
  });

  test("after the server's close frame, while its connection is still open, an append is refused with RealtimeClosedError, never dropped", async () => {
    fake.onSession(STT, (peer) => {
      transcriptionSessionCreated(peer);
      peer.socket.pause(); // the client's answering close frame is never read, so the connection stays open
      peer.tcp.write(Buffer.from([0x88, 0x02, 0x03, 0xe8])); // a close frame (code 1000), past the server's ws
    });
    const stt = await connect({ ...transport, closeTimeoutMs: 100 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const error = await rejection(stt.appendAudio(Buffer.alloc(320)));
    expect((error as Error).constructor).toBe(RealtimeClosedError);
    await stt.close();
  });
});

describe('opening over ws', () => {
  test('a server that is not listening: APIConnectionError naming the endpoint and the system error', async () => {
    const closedPort = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
    const error = await rejection(RealtimeTranscription.connect({ apiKey: fake.apiKey, baseURL: `http://127.0.0.1:${closedPort}/v1` }));
    expect((error as Error).constructor).toBe(APIConnectionError);
    expect((error as Error).message).toBe(`Could not open the realtime connection to ws://127.0.0.1:${closedPort}/v1/realtime: connect ECONNREFUSED 127.0.0.1:${closedPort}`);
  });

  test('a refusal whose body echoes the key is mapped like an HTTP error, with the key hidden', async () => {
    fake.refuse(STT, { status: 400, body: errorData(`Model not available for key ${fake.apiKey}`, 'model_not_available', 'model') });
    const error = await rejection(connect());
    expect(error).toBeInstanceOf(BadRequestError);
    expect(error).toMatchObject({ status: 400, code: 'model_not_available', param: 'model' });
    expect((error as Error).message).toContain('Model not available for key');
    expect((error as Error).message).not.toContain(fake.apiKey);
  });
});
