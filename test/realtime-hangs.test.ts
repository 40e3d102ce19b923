import { APITimeoutError, APIUserAbortError, AuthenticationError, RealtimeKeepaliveError, RealtimeTranscription, RealtimeTTS } from '../src';
import { FakeRealtime } from './support/fake-realtime';
import type { RealtimePath } from './support/realtime-protocol';
import { transcriptionSessionCreated, within } from './support/realtime-session';

// Every way a realtime session used to hang, on both endpoints. Each test bounds the wait itself, so a
// hang fails with a message instead of the suite's timeout.

const TTS = '/audio/speech/websocket';
const STT = '/realtime';
let fake: FakeRealtime;

afterEach(async () => {
  await fake.close();
  expect(fake.violations).toEqual([]);
});

type Options = Parameters<typeof RealtimeTTS.connect>[0] & Parameters<typeof RealtimeTranscription.connect>[0];
type Session = RealtimeTTS | RealtimeTranscription;

const endpoints: Array<[string, RealtimePath, (options: Options) => Promise<Session>]> = [
  ['tts', TTS, (options) => RealtimeTTS.connect({ apiKey: fake.apiKey, baseURL: fake.baseURL, ...options })],
  ['transcription', STT, (options) => RealtimeTranscription.connect({ apiKey: fake.apiKey, baseURL: fake.baseURL, ...options })],
];

describe.each(endpoints)('%s', (_name, path, connect) => {
  beforeEach(async () => {
    fake = await FakeRealtime.start();
  });

  test('an upgrade that is never answered fails with APITimeoutError after handshakeTimeoutMs', async () => {
    fake.stall(path, 'upgrade');
    const failure = await within(5000, 'connect', connect({ handshakeTimeoutMs: 300 }).catch((error: unknown) => error));
    expect(failure).toBeInstanceOf(APITimeoutError);
    expect((failure as Error).message).toMatch(/300 ms/);
  });

  test('a 401 whose body never finishes still fails as AuthenticationError within handshakeTimeoutMs', async () => {
    fake.stall(path, 'refusal-body');
    const failure = await within(5000, 'connect', connect({ handshakeTimeoutMs: 300 }).catch((error: unknown) => error));
    expect(failure).toBeInstanceOf(AuthenticationError);
    expect(failure).toMatchObject({ status: 401 });
  });

  test('a server that never sends session.created fails with APITimeoutError and the socket is closed', async () => {
    let closed: Promise<unknown> | undefined;
    fake.onSession(path, (peer) => {
      closed = peer.closed;
    });
    const failure = await within(5000, 'connect', connect({ sessionTimeoutMs: 300 }).catch((error: unknown) => error));
    expect(failure).toBeInstanceOf(APITimeoutError);
    expect((failure as Error).message).toMatch(/session\.created/);
    await within(3000, 'the server seeing the close', closed!);
  });

  test('connecting takes a signal: aborting it rejects with APIUserAbortError', async () => {
    fake.stall(path, 'upgrade');
    const controller = new AbortController();
    const connecting = connect({ signal: controller.signal }).catch((error: unknown) => error);
    setTimeout(() => controller.abort(new Error('user went away')), 100);
    const failure = await within(5000, 'connect', connecting);
    expect(failure).toBeInstanceOf(APIUserAbortError);
    expect((failure as Error).cause).toEqual(new Error('user went away'));
    await expect(connect({ signal: AbortSignal.abort() })).rejects.toBeInstanceOf(APIUserAbortError);
  });

  test('close() settles quickly while the app has stopped reading a flood of events', async () => {
    fake.onSession(path, async (peer) => {
      transcriptionSessionCreated(peer);
      const delta = path === TTS
        ? { type: 'conversation.item.audio_output.delta', item_id: 'tts_1', delta: Buffer.alloc(48000).toString('base64') }
        : { type: 'conversation.item.input_audio_transcription.delta', item_id: 'item_1', delta: 'x'.repeat(48000) };
      for (let i = 0; i < 400 && peer.socket.readyState === peer.socket.OPEN; i += 1) await peer.sendFlushed(delta).catch(() => undefined);
    });
    const session = await connect({});
    await new Promise((resolve) => setTimeout(resolve, 300)); // the events pile up unread
    await within(5000, 'close()', session.close());
  });

  test('close() settles within its grace period against a peer that never answers the close frame', async () => {
    fake.onSession(path, (peer) => {
      transcriptionSessionCreated(peer);
      peer.socket.pause(); // never reads, so never answers, the close frame
    });
    const session = await connect({ closeTimeoutMs: 200 });
    await within(3000, 'close()', session.close());
  });

  test('a peer that stops answering pings ends the session with RealtimeKeepaliveError', async () => {
    await fake.close();
    fake = await FakeRealtime.start({ autoPong: false });
    fake.onSession(path, (peer) => transcriptionSessionCreated(peer));
    const session = await connect({ pingIntervalMs: 100, pongTimeoutMs: 200 });
    const failure = await within(5000, 'events()', (async () => {
      for await (const _event of session.events()) {
        // nothing arrives
      }
    })().catch((error: unknown) => error));
    expect(failure).toBeInstanceOf(RealtimeKeepaliveError);
    expect(failure).toBeInstanceOf(APITimeoutError);
    await within(3000, 'close()', session.close());
  });
});
