import { randomBytes } from 'node:crypto';
import { RealtimeClosedError, RealtimeProtocolError, RealtimeTranscription } from '../src';
import { FakeRealtime, type ServerPeer } from './support/fake-realtime';

// What the realtime connection itself guarantees, whatever the session on top: the server's first
// event must be session.created, every event must be a JSON object with a string `type`, and a send
// waiting for the socket to drain is rejected, never left hanging, when the connection drops.

const STT = '/realtime';
let fake: FakeRealtime;

beforeEach(async () => {
  fake = await FakeRealtime.start();
});

afterEach(async () => {
  await fake.close();
  expect(fake.violations).toEqual([]);
});

function connect(options: Parameters<typeof RealtimeTranscription.connect>[0] = {}): Promise<RealtimeTranscription> {
  return RealtimeTranscription.connect({ apiKey: fake.apiKey, baseURL: fake.baseURL, ...options });
}

function sessionCreated(peer: ServerPeer): void {
  peer.send({ type: 'session.created', session: { id: 'sess_conn', object: 'realtime.session', modalities: ['audio'], model: 'openai/whisper-large-v3' } });
}

async function firstFailure(stt: RealtimeTranscription): Promise<unknown> {
  try {
    for await (const _event of stt.events()) {
      // events before the failure
    }
  } catch (error) {
    return error;
  }
  return undefined;
}

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
});

describe('events during the session', () => {
  it.each([
    ['an event without a type', JSON.stringify({ transcript: 'no type' }), 'The server sent a realtime event without a "type".'],
    ['a message that is not JSON', '{"type": "conversation.item', 'The server sent a realtime message that is not a JSON event.'],
  ])('%s fails the session with RealtimeProtocolError', async (_label, message, expected) => {
    fake.onSession(STT, (peer) => {
      sessionCreated(peer);
      peer.socket.send(message);
    });
    const stt = await connect();
    const error = await firstFailure(stt);
    expect((error as Error)?.constructor).toBe(RealtimeProtocolError);
    expect((error as Error).message).toBe(expected);
    await stt.close();
  });

  it('a binary frame fails the session with RealtimeProtocolError', async () => {
    fake.onSession(STT, (peer) => {
      sessionCreated(peer);
      peer.socket.send(Buffer.from('{"type":"x"}'), { binary: true });
    });
    const stt = await connect();
    const error = await firstFailure(stt);
    expect((error as Error)?.constructor).toBe(RealtimeProtocolError);
    await stt.close();
  });
});

describe('sends waiting for the socket to drain', () => {
  it('are rejected with RealtimeClosedError, not left hanging, when the server drops the connection', async () => {
    let dropConnection!: () => void;
    const dropped = new Promise<void>((resolve) => (dropConnection = resolve));
    fake.onSession(
      STT,
      async (peer) => {
        sessionCreated(peer);
        // A server that reads nothing: the client's socket fills up and its sends must wait.
        peer.socket.pause();
        await dropped;
        peer.socket.terminate();
      },
      { record: false },
    );
    const stt = await connect({ highWaterMark: 0 });
    const block = randomBytes(256 * 1024);
    let waiting: Promise<void> | undefined;
    for (let sent = 0; waiting === undefined && sent < 256; sent += 1) {
      const send = stt.appendAudio(block);
      send.catch(() => undefined);
      const state = await Promise.race([send.then(() => 'sent' as const), new Promise<'waiting'>((resolve) => setTimeout(() => resolve('waiting'), 100))]);
      if (state === 'waiting') waiting = send;
    }
    expect(waiting).toBeDefined();
    expect(stt.bufferedAmount).toBeGreaterThan(0);

    dropConnection();

    const error = await (waiting as Promise<void>).then(
      () => 'sent',
      (e: unknown) => e,
    );
    expect((error as Error).constructor).toBe(RealtimeClosedError);
    expect((error as RealtimeClosedError).closeCode).toBe(1006);
    await stt.close();
  });
});
