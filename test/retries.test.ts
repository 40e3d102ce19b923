import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import {
  APIConnectionError,
  APITimeoutError,
  APIUserAbortError,
  InternalServerError,
  RateLimitError,
  ServiceUnavailableError,
  TogetherAudio,
  type AudioSpeechRequest,
  type ClientOptions,
  type RetryEvent,
  UploadSourceError,
} from '../src';
import { retryDelayFor, serverSuggestedDelay } from '../src/retry';
import { FakeTogether, parseMultipart, readBody, sendError, sendJson, sha256, type ParsedMultipart } from './support/fake-together';
import { clientInternals } from '../src/client';

const API_KEY = 'test-key-retries-0123456789';
const request: AudioSpeechRequest = { model: 'cartesia/sonic', input: 'Hello', voice: 'friendly sidekick' };
const AUDIO = randomBytes(2048);

let server: FakeTogether;
let retries: RetryEvent[];

beforeAll(async () => {
  server = await FakeTogether.start();
});
beforeEach(() => {
  retries = [];
});
afterEach(() => server.reset());
afterAll(() => server.close());

/** Fast retries for tests: 1 ms backoff, and at most 50 ms for any wait a header asks for. */
function makeClient(options: ClientOptions = {}): TogetherAudio {
  return new TogetherAudio({
    apiKey: API_KEY,
    baseURL: server.baseURL,
    initialRetryDelay: 1,
    maxRetryDelay: 50,
    onRetry: (event) => retries.push(event),
    ...options,
  });
}

/** Answers the n-th request (0-based) with `failures[n]`, and every later one with audio. */
function failThenSucceed(failures: Array<(res: ServerResponse, req: IncomingMessage) => void>): void {
  server.route('POST /audio/speech', async (req, res) => {
    await readBody(req);
    const failure = failures[server.requests.length - 1];
    if (failure) return failure(res, req);
    res.writeHead(200, { 'content-type': 'audio/wav', 'x-request-id': 'req_ok' });
    res.end(AUDIO);
  });
}

const rateLimited = (headers: Record<string, string>) => (res: ServerResponse) =>
  sendError(res, 429, 'too many requests', { type: 'rate_limit' }, { 'x-request-id': 'req_429', ...headers });

describe('waits the server asks for', () => {
  it.each([
    ['Retry-After in seconds', { 'retry-after': '1' }, 1000, 2000],
    ['retry-after-ms', { 'retry-after-ms': '30' }, 30, 50],
    ["Together's x-ratelimit-reset after a 429", { 'x-ratelimit-reset': '1' }, 1000, 2000],
    ['retry-after-ms over Retry-After', { 'retry-after-ms': '20', 'retry-after': '30' }, 20, 50],
  ])('429 with %s, then success', async (_label, headers, expectedDelay, maxRetryDelay) => {
    failThenSucceed([rateLimited(headers)]);
    const client = makeClient({ maxRetryDelay });

    const audio = await client.speech.create(request);

    expect(audio.equals(AUDIO)).toBe(true);
    expect(server.requests).toHaveLength(2);
    expect(retries).toEqual([
      expect.objectContaining({ attempt: 1, maxRetries: 2, status: 429, delayMs: expectedDelay, requestId: 'req_429', method: 'POST' }),
    ]);
  });

  it('caps a huge Retry-After at maxRetryDelay', async () => {
    failThenSucceed([rateLimited({ 'retry-after': '86400' })]);
    const audio = await makeClient({ maxRetryDelay: 25 }).speech.create(request);
    expect(audio.equals(AUDIO)).toBe(true);
    expect(retries.map((event) => event.delayMs)).toEqual([25]);
  });

  it('serverSuggestedDelay reads each header form', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(serverSuggestedDelay({ 'retry-after': 'Thu, 01 Jan 2026 00:00:03 GMT' }, 503, now)).toBe(3000);
    expect(serverSuggestedDelay({ 'retry-after': 'Wed, 31 Dec 2025 23:59:00 GMT' }, 503, now)).toBe(0);
    expect(serverSuggestedDelay({ 'retry-after': '2' }, 503, now)).toBe(2000);
    expect(serverSuggestedDelay({ 'retry-after-ms': '150' }, 500, now)).toBe(150);
    expect(serverSuggestedDelay({ 'x-ratelimit-reset': '3' }, 429, now)).toBe(3000);
    expect(serverSuggestedDelay({ 'x-ratelimit-reset': String(now / 1000 + 5) }, 429, now)).toBe(5000);
    // x-ratelimit-reset is a wait only after a 429; on a success or a 5xx it describes the window.
    expect(serverSuggestedDelay({ 'x-ratelimit-reset': '3' }, 503, now)).toBeUndefined();
    expect(serverSuggestedDelay({ 'retry-after': 'soon' }, 503, now)).toBeUndefined();
    expect(serverSuggestedDelay({ 'retry-after': '-4' }, 503, now)).toBeUndefined();
    expect(serverSuggestedDelay({}, 503, now)).toBeUndefined();
  });

  it('retryDelayFor backs off exponentially with jitter, within the cap', () => {
    const options = { initialRetryDelay: 100, maxRetryDelay: 300 };
    for (let i = 0; i < 50; i += 1) {
      const first = retryDelayFor(1, {}, 500, options);
      const second = retryDelayFor(2, {}, 500, options);
      expect(first).toBeGreaterThanOrEqual(75);
      expect(first).toBeLessThanOrEqual(100);
      expect(second).toBeGreaterThanOrEqual(150);
      expect(second).toBeLessThanOrEqual(200);
      expect(retryDelayFor(5, {}, 500, options)).toBe(300);
    }
    expect(retryDelayFor(1, { 'retry-after': '9' }, 503, options)).toBe(300);
  });
});

describe('retried statuses and connection failures', () => {
  it.each([408, 409, 500, 502, 503, 504])('%i, then success', async (status) => {
    failThenSucceed([(res) => sendError(res, status, `transient ${status}`)]);
    const audio = await makeClient().speech.create(request);
    expect(audio.equals(AUDIO)).toBe(true);
    expect(server.requests).toHaveLength(2);
    expect(retries).toEqual([expect.objectContaining({ attempt: 1, status })]);
  });

  it('500, 502, 503 in a row, then success, with maxRetries 3', async () => {
    failThenSucceed([500, 502, 503].map((status) => (res: ServerResponse) => sendError(res, status, 'flaky')));
    const audio = await makeClient({ maxRetries: 3 }).speech.create(request);
    expect(audio.equals(AUDIO)).toBe(true);
    expect(retries.map((event) => event.status)).toEqual([500, 502, 503]);
  });

  it('resends the whole JSON body on each attempt', async () => {
    const bodies: string[] = [];
    server.route('POST /audio/speech', async (req, res) => {
      bodies.push((await readBody(req)).toString());
      if (bodies.length === 1) return sendError(res, 500, 'flaky');
      res.writeHead(200, { 'content-type': 'audio/wav' });
      res.end(AUDIO);
    });
    await makeClient().speech.create(request);
    expect(bodies).toHaveLength(2);
    expect(JSON.parse(bodies[1])).toEqual(JSON.parse(bodies[0]));
    expect(JSON.parse(bodies[0])).toMatchObject(request);
  });

  it('503 forever: gives up after the configured retries with the capacity message', async () => {
    server.route('POST /audio/speech', async (req, res) => {
      await readBody(req);
      sendError(res, 503, 'The server is overloaded', { type: 'service_unavailable' }, { 'x-request-id': `req_${server.requests.length}` });
    });
    const error = await makeClient({ maxRetries: 3 })
      .speech.create(request)
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ServiceUnavailableError);
    expect(error).toMatchObject({ status: 503, attempts: 4, requestId: 'req_4' });
    expect((error as Error).message).toMatch(/at capacity \(gave up after 4 attempts\)/);
    expect((error as Error).message).toContain('The server is overloaded');
    expect(server.requests).toHaveLength(4);
    expect(retries.map((event) => event.attempt)).toEqual([1, 2, 3]);
  });

  it('uses the default of 2 retries (3 requests in all)', async () => {
    server.route('POST /audio/speech', (_req, res) => sendError(res, 500, 'down'));
    const error = await makeClient()
      .speech.create(request)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InternalServerError);
    expect(server.requests).toHaveLength(3);
  });

  it('connection reset before the headers, then success', async () => {
    failThenSucceed([(_res, req) => req.socket.destroy()]);
    const audio = await makeClient().speech.create(request);
    expect(audio.equals(AUDIO)).toBe(true);
    expect(server.requests).toHaveLength(2);
    expect(retries).toEqual([expect.objectContaining({ attempt: 1, status: undefined, code: expect.stringMatching(/ECONNRESET|ERR/) })]);
  });

  it('retry events, which callers log, never carry the API key', async () => {
    failThenSucceed([(res) => sendError(res, 500, 'flaky'), (_res, req) => req.socket.destroy()]);
    await makeClient().speech.create(request);
    expect(retries).toHaveLength(2);
    expect(JSON.stringify(retries)).not.toContain(API_KEY);
  });

  it('connection reset every time → APIConnectionError after the retries', async () => {
    server.route('POST /audio/speech', (req) => void req.socket.destroy());
    const error = await makeClient()
      .speech.create(request)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(APIConnectionError);
    expect(server.requests).toHaveLength(3);
  });

  it.each([400, 401, 403, 404, 413, 422])('does not retry %i', async (status) => {
    server.route('POST /audio/speech', (_req, res) => sendError(res, status, 'final'));
    await expect(makeClient().speech.create(request)).rejects.toMatchObject({ status, attempts: 1 });
    expect(server.requests).toHaveLength(1);
    expect(retries).toEqual([]);
  });
});

describe('maxRetries', () => {
  it('0 per request disables retries for that call only', async () => {
    server.route('POST /audio/speech', (_req, res) => sendError(res, 429, 'slow down', {}, { 'retry-after-ms': '1' }));
    const client = makeClient();

    await expect(client.speech.create(request, { maxRetries: 0 })).rejects.toBeInstanceOf(RateLimitError);
    expect(server.requests).toHaveLength(1);

    server.requests.length = 0;
    await expect(client.speech.create(request)).rejects.toBeInstanceOf(RateLimitError);
    expect(server.requests).toHaveLength(3);
  });

  it('per request overrides the client in both directions, and retry events tell the limit that applies', async () => {
    server.route('POST /audio/speech', (_req, res) => sendError(res, 500, 'down'));
    await expect(makeClient({ maxRetries: 1 }).speech.create(request, { maxRetries: 3 })).rejects.toMatchObject({ attempts: 4 });
    expect(retries.map((event) => [event.attempt, event.maxRetries])).toEqual([
      [1, 3],
      [2, 3],
      [3, 3],
    ]);
    expect(retries[0]).toMatchObject({ method: 'POST', url: `${server.baseURL}/audio/speech` });
    server.requests.length = 0;
    await expect(makeClient({ maxRetries: 0 }).speech.create(request, { maxRetries: 1 })).rejects.toMatchObject({ attempts: 2 });
    expect(server.requests).toHaveLength(2);
  });

  it('0 on the client disables retries', async () => {
    server.route('POST /audio/speech', (_req, res) => sendError(res, 503, 'busy'));
    await expect(makeClient({ maxRetries: 0 }).speech.create(request)).rejects.toBeInstanceOf(ServiceUnavailableError);
    expect(server.requests).toHaveLength(1);
  });

  it('applies to the generated methods through their axios options', async () => {
    server.route('GET /voices', (_req, res) => sendError(res, 502, 'bad gateway'));
    await expect((await clientInternals(makeClient())).voices.fetchVoices({ 'axios-retry': { retries: 0 } })).rejects.toBeInstanceOf(InternalServerError);
    expect(server.requests).toHaveLength(1);
  });
});

describe('an abort during the wait before a retry', () => {
  it('stops at once with APIUserAbortError and sends nothing more', async () => {
    server.route('POST /audio/speech', (_req, res) => sendError(res, 503, 'busy', {}, { 'retry-after': '30' }));
    const controller = new AbortController();
    const client = makeClient({ maxRetryDelay: 60_000, onRetry: () => setImmediate(() => controller.abort()) });

    const error = await client.speech.create(request, { signal: controller.signal }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(APIUserAbortError);
    expect(server.requests).toHaveLength(1);
  });
});

describe('upload bodies are resent whole, or not at all', () => {
  let dir: string;
  let filePath: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'together-retries-'));
    filePath = path.join(dir, 'clip.wav');
    writeFileSync(filePath, AUDIO);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function failFirstUpload(status: number): ParsedMultipart[] {
    const bodies: ParsedMultipart[] = [];
    server.route('POST /audio/transcriptions', async (req, res) => {
      bodies.push(await parseMultipart(req));
      if (bodies.length === 1) return sendError(res, status, 'try again', {}, { 'retry-after-ms': '1' });
      sendJson(res, 200, { text: 'hello' });
    });
    return bodies;
  }

  it.each<[string, () => string | Buffer | Blob]>([
    ['a path', () => filePath],
    ['a Buffer', () => AUDIO],
    ['a Blob', () => new Blob([AUDIO], { type: 'audio/wav' })],
  ])('%s: the retry sends a rebuilt form with the complete file', async (_label, file) => {
    const bodies = failFirstUpload(503);

    const result = await makeClient().transcriptions.create({ file: file(), model: 'openai/whisper-large-v3', language: 'en' });

    expect(result).toEqual({ text: 'hello' });
    expect(bodies).toHaveLength(2);
    for (const body of bodies) {
      expect(body.files).toEqual([expect.objectContaining({ field: 'file', size: AUDIO.length, sha256: sha256(AUDIO) })]);
      expect(body.fields).toEqual({ model: ['openai/whisper-large-v3'], language: ['en'] });
    }
    expect(server.requests[1].headers['content-type']).toBe(server.requests[0].headers['content-type']);
  });

  it('a file that can no longer be read on a retry fails the upload at once: it is not retried again', async () => {
    const vanishing = path.join(dir, 'vanishing.wav');
    writeFileSync(vanishing, AUDIO);
    server.route('POST /audio/transcriptions', async (req, res) => {
      await readBody(req).catch(() => undefined);
      sendError(res, 503, 'busy', {}, { 'retry-after-ms': '1' });
    });
    const client = makeClient({
      maxRetries: 3,
      onRetry: (event) => {
        retries.push(event);
        rmSync(vanishing, { force: true });
      },
    });

    const error = await client.transcriptions.create({ file: vanishing }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(UploadSourceError);
    expect((error as Error).message).toContain('vanishing.wav');
    expect(retries).toHaveLength(1);
  });

  it('a caller-supplied stream cannot be read twice: the upload is not retried, so never resent empty', async () => {
    const bodies = failFirstUpload(429);

    const error = await makeClient()
      .transcriptions.create({ file: Readable.from([AUDIO.subarray(0, 1000), AUDIO.subarray(1000)]), model: 'openai/whisper-large-v3' })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(RateLimitError);
    expect(bodies).toHaveLength(1);
    expect(bodies[0].files[0]).toMatchObject({ size: AUDIO.length, sha256: sha256(AUDIO) });
    expect(retries).toEqual([]);
  });
});

describe('each attempt starts clean', () => {
  it('the body of a failed attempt is released before the retry: the server sees that connection closed', async () => {
    let firstClosed!: () => void;
    const closed = new Promise<void>((resolve) => (firstClosed = resolve));
    let closedBeforeCallEnded = false;
    failThenSucceed([
      (res) => {
        // An error body that never ends: only the client giving it up frees the connection.
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.write('the first part of a long error page');
        res.on('close', firstClosed);
      },
    ]);
    const audio = await makeClient().speech.create(request);
    expect(audio.equals(AUDIO)).toBe(true);
    expect(server.requests).toHaveLength(2);
    await Promise.race([closed.then(() => (closedBeforeCallEnded = true)), new Promise((resolve) => setTimeout(resolve, 2000))]);
    expect(closedBeforeCallEnded).toBe(true);
  });

  it('each retry gets the whole timeout again, not what the failed attempts left of it', async () => {
    // Each attempt waits 400 ms before answering, within the 700 ms timeout; the second would
    // time out if it only had the 300 ms the first one left.
    server.route('POST /audio/speech', async (req, res) => {
      await readBody(req);
      await new Promise((resolve) => setTimeout(resolve, 400));
      if (server.requests.length === 1) return sendError(res, 500, 'flaky');
      res.writeHead(200, { 'content-type': 'audio/wav' });
      res.end(AUDIO);
    });
    const audio = await makeClient({ timeout: 700 }).speech.create(request);
    expect(audio.equals(AUDIO)).toBe(true);
    expect(server.requests).toHaveLength(2);
  });

  it('an empty Retry-After is ignored: the wait is the normal backoff, not zero', async () => {
    failThenSucceed([(res) => sendError(res, 503, 'busy', {}, { 'retry-after': '' })]);
    const audio = await makeClient({ initialRetryDelay: 40, maxRetryDelay: 1000 }).speech.create(request);
    expect(audio.equals(AUDIO)).toBe(true);
    expect(retries).toHaveLength(1);
    expect(retries[0].delayMs).toBeGreaterThanOrEqual(30);
    expect(retries[0].delayMs).toBeLessThanOrEqual(40);
    expect(serverSuggestedDelay({ 'retry-after': '' }, 503)).toBeUndefined();
    expect(serverSuggestedDelay({ 'retry-after-ms': '' }, 503)).toBeUndefined();
    expect(serverSuggestedDelay({ 'x-ratelimit-reset': '' }, 429)).toBeUndefined();
  });

  it('a timeout is not retried and stays an APITimeoutError', async () => {
    server.route('POST /audio/speech', () => undefined);
    const error = await makeClient({ timeout: 50 })
      .speech.create(request)
      .catch((e: unknown) => e);
    expect((error as Error).constructor).toBe(APITimeoutError);
    expect(server.requests).toHaveLength(1);
    expect(retries).toEqual([]);
  });

  it('a reset every time gives up as exactly an APIConnectionError', async () => {
    server.route('POST /audio/speech', (req) => void req.socket.destroy());
    const error = await makeClient()
      .speech.create(request)
      .catch((e: unknown) => e);
    expect((error as Error).constructor).toBe(APIConnectionError);
    expect(error).toMatchObject({ name: 'APIConnectionError', code: 'ECONNRESET' });
  });
});

describe('Retry-After as an HTTP-date (RFC 9110, section 5.6.7)', () => {
  const now = Date.parse('2026-11-25T12:00:00Z');
  const wait = (value: string) => serverSuggestedDelay({ 'retry-after': value }, 503, now);

  it('reads all three forms', () => {
    expect(wait('Wed, 25 Nov 2026 12:00:07 GMT')).toBe(7000);
    expect(wait('Wednesday, 25-Nov-26 12:00:07 GMT')).toBe(7000);
    expect(wait('Wed Nov 25 12:00:07 2026')).toBe(7000);
    expect(wait('Wed Dec  2 12:00:00 2026')).toBe(7 * 24 * 3600 * 1000);
  });

  it('reads a two-digit year as the most recent past year with those digits, unless it is at most 50 years ahead', () => {
    expect(wait('Thursday, 25-Nov-76 12:00:00 GMT')).toBe(Date.parse('2076-11-25T12:00:00Z') - now);
    expect(wait('Saturday, 25-Nov-77 12:00:00 GMT')).toBe(0); // 1977: in the past
  });

  it('a date in the past means no wait', () => {
    expect(wait('Tue, 24 Nov 2026 12:00:00 GMT')).toBe(0);
  });

  it.each([
    ['a day that does not exist', 'Sat, 31 Feb 2026 12:00:00 GMT'],
    ['hour 24', 'Wed, 25 Nov 2026 24:00:00 GMT'],
    ['minute 60', 'Wed, 25 Nov 2026 12:60:00 GMT'],
    ['second 61', 'Wed, 25 Nov 2026 12:00:61 GMT'],
    ['another time zone', 'Wed, 25 Nov 2026 12:00:07 UTC'],
    ['a lower-case month', 'Wed, 25 nov 2026 12:00:07 GMT'],
    ['extra text', 'Wed, 25 Nov 2026 12:00:07 GMT, or so'],
    ['ISO 8601', '2026-11-25T12:00:07Z'],
    ['a number with a sign', '+5'],
    ['a fraction', '1.5'],
  ])('%s is not a wait', (_label, value) => {
    expect(wait(value)).toBeUndefined();
  });

  it('a leap second is accepted', () => {
    expect(wait('Wed, 25 Nov 2026 12:00:60 GMT')).toBe(60_000);
  });
});

describe('x-ratelimit-reset and zero waits', () => {
  it('x-ratelimit-reset after a 503 describes the window, not a wait', () => {
    expect(serverSuggestedDelay({ 'x-ratelimit-reset': '5' }, 503)).toBeUndefined();
  });

  it('x-ratelimit-reset as a Unix time in the past means no wait', () => {
    const now = Date.parse('2026-11-25T12:00:00Z');
    expect(serverSuggestedDelay({ 'x-ratelimit-reset': String(now / 1000 - 30) }, 429, now)).toBe(0);
  });

  it('retry-after-ms 0 is a wait of zero, not "no suggestion"', () => {
    expect(serverSuggestedDelay({ 'retry-after-ms': '0', 'retry-after': '5' }, 503)).toBe(0);
    expect(retryDelayFor(3, { 'retry-after': '0' }, 503, { initialRetryDelay: 1000, maxRetryDelay: 5000 })).toBe(0);
  });
});
