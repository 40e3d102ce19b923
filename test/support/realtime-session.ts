import { createHook } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { RealtimeTranscription, RealtimeTTS } from '../../src';
import { FakeRealtime, type ServerPeer } from './fake-realtime';

/** The server's first event of a transcription session, in Together's shape. */
export function transcriptionSessionCreated(peer: ServerPeer, id = 'sess_stt'): void {
  peer.send({ type: 'session.created', session: { id, object: 'realtime.session', modalities: ['audio'], model: 'openai/whisper-large-v3' } });
}

/** Rejects with "what did not settle" if `promise` has not settled after `ms`, so that a hang fails with a message instead of the suite's timeout. */
export async function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, limit]);
  } finally {
    clearTimeout(timer);
  }
}

/** Appends audio until a send waits for the socket to drain (the server reads nothing), and returns that send. */
export async function waitingSend(stt: RealtimeTranscription): Promise<{ send: Promise<void> }> {
  const block = randomBytes(256 * 1024);
  for (let sent = 0; sent < 256; sent += 1) {
    const send = stt.appendAudio(block);
    send.catch(() => undefined);
    const state = await Promise.race([send.then(() => 'sent' as const), delay(100).then(() => 'waiting' as const)]);
    if (state === 'waiting') return { send };
  }
  throw new Error('no send ever waited for the socket to drain');
}

/** What `promise` rejects with, or the text 'resolved'. */
export function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => 'resolved',
    (error: unknown) => error,
  );
}

type TranscriptionOptions = Parameters<typeof RealtimeTranscription.connect>[0];
type TTSOptions = Parameters<typeof RealtimeTTS.connect>[0];

/**
 * A FakeRealtime for each test of the file (or describe block): started before the test, closed
 * after it, and the test fails on any protocol violation the server saw. `fake` stands for the
 * running test's server; `transcription` and `tts` connect to it with its key.
 */
export function useFakeRealtime(options: Parameters<typeof FakeRealtime.start>[0] = {}): {
  fake: FakeRealtime;
  transcription: (options?: TranscriptionOptions) => Promise<RealtimeTranscription>;
  tts: (options?: TTSOptions) => Promise<RealtimeTTS>;
} {
  let current: FakeRealtime | undefined;
  beforeEach(async () => {
    current = await FakeRealtime.start(options);
  });
  afterEach(async () => {
    const server = current;
    current = undefined;
    await server?.close();
    expect(server?.violations).toEqual([]);
  });
  const fake = new Proxy({} as FakeRealtime, {
    get(_target, key) {
      if (!current) throw new Error('The fake realtime server runs only while a test runs.');
      const value: unknown = Reflect.get(current, key, current);
      return typeof value === 'function' ? value.bind(current) : value;
    },
  });
  return {
    fake,
    transcription: (connectOptions = {}) => RealtimeTranscription.connect({ apiKey: fake.apiKey, baseURL: fake.baseURL, ...connectOptions }),
    tts: (connectOptions = {}) => RealtimeTTS.connect({ apiKey: fake.apiKey, baseURL: fake.baseURL, ...connectOptions }),
  };
}

/**
 * Records the timers (timeouts and intervals, ref'd or not) that the package's code or `ws` creates
 * from now on and that are still pending; `stop()` ends the recording. Node reports a cleared timer
 * a moment later, so `pending()` waits for that first.
 */
export function recordTimers(): { pending: () => Promise<number>; stop: () => void } {
  const live = new Set<number>();
  const ours = /[\\/](src|node_modules[\\/]ws)[\\/]/;
  const hook = createHook({
    init(asyncId, type) {
      if (type === 'Timeout' && ours.test(new Error().stack ?? '')) live.add(asyncId);
    },
    destroy(asyncId) {
      live.delete(asyncId);
    },
  }).enable();
  return {
    pending: async () => {
      await new Promise((resolve) => setImmediate(resolve));
      return live.size;
    },
    stop: () => hook.disable(),
  };
}
