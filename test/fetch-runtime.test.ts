/**
 * The runtime-neutral client where axios has no http adapter, as in browsers and workers: bundlers
 * give them axios's browser build, whose only network adapter is fetch. This file loads that build
 * for the client (jest.mock substitutes the real module, nothing is faked) and talks to a local
 * server through Node's fetch.
 *
 * @loads-http-stack With that build, before any test: see test/support/mutation/preload.cjs.
 */
import { getEventListeners, once } from 'node:events';
import type { ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';
import { APIConnectionError, APITimeoutError, APIUserAbortError, StreamError, TogetherAudio, type AudioSpeechRequest } from '../src/web';
import '../src/http-stack';
import { hasHttpAdapter } from '../src/transport';
import { asBrowserPage } from './support/browser-page';
import { FakeTogether, parseMultipart, readJson, sendJson, sha256 } from './support/fake-together';

jest.mock('axios', () => jest.requireActual('axios/dist/browser/axios.cjs'));

const API_KEY = 'test-key-fetch-runtime';
const request: AudioSpeechRequest = { model: 'cartesia/sonic', input: 'Hello', voice: 'friendly sidekick', response_format: 'mp3' };
let server: FakeTogether;

beforeAll(async () => {
  server = await FakeTogether.start();
});
afterEach(() => server.reset());
afterAll(() => server.close());

const client = (options: { timeout?: number; maxRetries?: number } = {}) =>
  new TogetherAudio({ apiKey: API_KEY, baseURL: server.baseURL, initialRetryDelay: 1, ...options });

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Sends the headers at once, then `chunks` one every `gapMs`. */
function trickle(chunks: Buffer[], gapMs: number) {
  return async (req: Parameters<Parameters<FakeTogether['route']>[1]>[0], res: ServerResponse) => {
    await readJson(req);
    res.writeHead(200, { 'content-type': 'audio/mpeg' });
    for (const chunk of chunks) {
      await delay(gapMs);
      res.write(chunk);
    }
    res.end();
  };
}

it('sends requests through fetch: this axios has no http adapter', async () => {
  expect(hasHttpAdapter()).toBe(false);
  server.route('GET /voices', (_req, res) => sendJson(res, 200, { data: [] }));
  await expect(client().voices.list()).resolves.toEqual({ data: [] });
});

it('leaves compressed JSON to fetch, which decodes it', async () => {
  const voices = { object: 'list', data: [{ model: 'cartesia/sonic', voices: [{ id: 'v1', name: 'tara' }] }] };
  server.route('GET /voices', (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    res.end(gzipSync(JSON.stringify(voices)));
  });
  await expect(client().voices.list()).resolves.toEqual(voices);
  expect(server.requests[0].headers['accept-encoding']).toMatch(/gzip/);
});

it('gives a 204 an empty body, as on Node, and as a Response no body at all', async () => {
  server.route('GET /voices', (_req, res) => {
    res.writeHead(204);
    res.end();
  });
  const { data, response } = await client().voices.list().withResponse();
  expect(response.status).toBe(204);
  expect(data).toBe('');
  const raw = await client().voices.list().asResponse();
  expect(raw.status).toBe(204);
  expect(raw.body).toBeNull();
});

it('reads a 204 that claims an event stream as a speech stream that ended without [DONE], as on Node', async () => {
  server.route('POST /audio/speech', async (req, res) => {
    await readJson(req);
    res.writeHead(204, { 'content-type': 'text/event-stream' });
    res.end();
  });
  const stream = client().speech.stream({ ...request, response_format: 'raw' });
  const error = await (async () => {
    for await (const _chunk of stream);
  })().catch((caught: unknown) => caught);
  expect([(error as Error).constructor, (error as Error).message]).toEqual([
    StreamError,
    'The speech stream ended without data: [DONE]; the audio may be truncated.',
  ]);
});

it('releases the body of a failed attempt before retrying: the server sees that response closed, unread', async () => {
  let firstClosed!: Promise<boolean>;
  server.route('POST /audio/speech', async (req, res) => {
    await readJson(req);
    if (server.requests.length === 1) {
      firstClosed = new Promise((resolve) => res.once('close', () => resolve(res.writableFinished)));
      res.writeHead(503, { 'content-type': 'application/json' });
      return void res.write('{"error": {"message": "busy"'); // and then nothing
    }
    res.writeHead(200, { 'content-type': 'audio/mpeg' });
    res.end('mp3');
  });
  const audio = await client({ timeout: 10_000, maxRetries: 1 }).speech.create(request);
  expect(Buffer.from(audio).toString()).toBe('mp3');
  expect(await firstClosed).toBe(false);
});

describe('the timeout on fetch', () => {
  it('bounds the wait for the headers, not the whole body: speech that takes longer than it arrives whole', async () => {
    const chunks = [1, 2, 3, 4, 5, 6].map((n) => Buffer.alloc(100, n));
    server.route('POST /audio/speech', trickle(chunks, 120));
    const audio = await client({ timeout: 400 }).speech.create(request);
    expect(Buffer.from(audio)).toEqual(Buffer.concat(chunks));
  });

  it('is an APITimeoutError when the headers do not come in time, and a retry is timed the same', async () => {
    server.route('POST /audio/speech', () => undefined); // never answers
    const started = Date.now();
    const error = await client({ timeout: 150, maxRetries: 1 })
      .speech.create(request)
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(APITimeoutError);
    expect((error as Error).message).toBe('The request timed out after 150 ms without a response.');
    expect(server.requests).toHaveLength(2);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("a caller's abort while waiting for the headers is an APIUserAbortError, not a timeout, and cancels the request", async () => {
    let closed!: Promise<unknown>;
    server.route('POST /audio/speech', (_req, res) => {
      closed = once(res, 'close');
    });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const started = Date.now();
    const error = await client({ timeout: 10_000 })
      .speech.create(request, { signal: controller.signal })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(APIUserAbortError);
    expect(Date.now() - started).toBeLessThan(2_000);
    await closed;
  });

  it('a connection the server drops before answering is an APIConnectionError, not a timeout', async () => {
    server.route('POST /audio/speech', (req) => void req.socket.destroy());
    const error = await client({ timeout: 10_000, maxRetries: 0 })
      .speech.create(request)
      .catch((caught: unknown) => caught);
    expect((error as Error).constructor).toBe(APIConnectionError);
  });

  it('sends nothing for a signal that is already aborted', async () => {
    const error = await client({ timeout: 10_000 })
      .speech.create(request, { signal: AbortSignal.abort() })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(APIUserAbortError);
    expect(server.requests).toHaveLength(0);
  });

  it("leaves no listener on the caller's signal once the request is done", async () => {
    server.route('POST /audio/speech', trickle([Buffer.from('mp3')], 0));
    const controller = new AbortController();
    await client({ timeout: 10_000 }).speech.create(request, { signal: controller.signal });
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });
});

describe('uploads on fetch', () => {
  it('streams a ReadableStream file as a ReadableStream body, byte for byte', async () => {
    let upload: Awaited<ReturnType<typeof parseMultipart>> | undefined;
    server.route('POST /audio/transcriptions', async (req, res) => {
      upload = await parseMultipart(req);
      sendJson(res, 200, { text: 'ok' });
    });
    const audio = Buffer.alloc(200_000, 7);
    const file = new Blob([audio]).stream();
    await expect(client().transcriptions.create({ file })).resolves.toEqual({ text: 'ok' });
    expect(upload?.files.map((part) => [part.size, part.sha256])).toEqual([[audio.length, sha256(audio)]]);
    expect(server.requests[0].headers['content-length']).toBeUndefined();
  });

  it('in a browser page, which cannot stream a request body over HTTP/1.1, collects a streamed file into a Blob first', async () => {
    let upload: Awaited<ReturnType<typeof parseMultipart>> | undefined;
    server.route('POST /audio/transcriptions', async (req, res) => {
      upload = await parseMultipart(req);
      sendJson(res, 200, { text: 'ok' });
    });
    const audio = Buffer.alloc(200_000, 9);
    const page = () => new TogetherAudio({ apiKey: API_KEY, baseURL: server.baseURL, dangerouslyAllowBrowser: true });
    await asBrowserPage(() => page().transcriptions.create({ file: new Blob([audio]).stream() }));
    expect(upload?.files.map((part) => [part.size, part.sha256])).toEqual([[audio.length, sha256(audio)]]);
    expect(Number(server.requests[0].headers['content-length'])).toBeGreaterThan(audio.length);
  });

  it("in a browser page, a caller's abort while the streamed file is still being collected sends nothing", async () => {
    server.route('POST /audio/transcriptions', (_req, res) => sendJson(res, 200, { text: 'ok' }));
    async function* slowFile() {
      yield new Uint8Array(1000);
      await delay(150);
      yield new Uint8Array(1000);
    }
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 30);
    const page = new TogetherAudio({ apiKey: API_KEY, baseURL: server.baseURL, dangerouslyAllowBrowser: true, timeout: 10_000 });
    const error = await asBrowserPage(() => page.transcriptions.create({ file: slowFile() }, { signal: controller.signal })).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(APIUserAbortError);
    expect(server.requests).toHaveLength(0);
  });
});
