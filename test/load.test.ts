import { createHash, randomBytes } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { TogetherAudio, type AudioSpeechRequest, type RetryEvent } from '../src';
import { FakeTogether, readBody, writeSpeechEvents } from './support/fake-together';

const CONCURRENCY = 500;
const CHUNKS_PER_STREAM = 8;
const CHUNK_BYTES = 4096;
/** Generous: 500 streams of 32 KiB each pass through; a leak of even one buffer per stream would show. */
const MAX_HEAP_GROWTH = 16 * 1024 * 1024;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const request: AudioSpeechRequest = { model: 'cartesia/sonic', input: 'Hello', voice: 'friendly sidekick' };
const pcmChunks = Array.from({ length: CHUNKS_PER_STREAM }, () => randomBytes(CHUNK_BYTES));
const expectedHash = createHash('sha256').update(Buffer.concat(pcmChunks)).digest('hex');

let server: FakeTogether;
let client: TogetherAudio;
const retries: RetryEvent[] = [];

beforeAll(async () => {
  server = await FakeTogether.start();
  server.route('POST /audio/speech', async (req, res) => {
    await readBody(req);
    writeSpeechEvents(res, pcmChunks);
  });
  client = new TogetherAudio({ apiKey: 'test-key-load-0123456789', baseURL: server.baseURL, initialRetryDelay: 1, onRetry: (event) => retries.push(event) });
});
afterAll(() => server.close());

async function streamOnce(): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of client.speech.stream(request)) hash.update(chunk);
  return hash.digest('hex');
}

async function settleHeap(): Promise<number> {
  for (let i = 0; i < 4; i += 1) {
    await new Promise((resolve) => setImmediate(resolve));
    gc();
  }
  return process.memoryUsage().heapUsed;
}

it(`${CONCURRENCY} concurrent streamed speech requests complete without errors, and the heap returns near its baseline`, async () => {
  // Warm up: module code, agents and the JIT settle before the baseline is taken.
  await Promise.all(Array.from({ length: 50 }, streamOnce));
  const baseline = await settleHeap();

  const results = await Promise.allSettled(Array.from({ length: CONCURRENCY }, streamOnce));

  const failures = results.filter((result): result is PromiseRejectedResult => result.status === 'rejected');
  expect(failures.map((failure) => String(failure.reason))).toEqual([]);
  const hashes = results.map((result) => (result as PromiseFulfilledResult<string>).value);
  expect(hashes.every((hash) => hash === expectedHash)).toBe(true);
  expect(server.requests).toHaveLength(50 + CONCURRENCY + retries.length);

  const after = await settleHeap();
  expect(after - baseline).toBeLessThan(MAX_HEAP_GROWTH);
});
