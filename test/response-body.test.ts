import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { TogetherAudio, UnexpectedResponseError } from '../src';
import { clientInternals } from '../src/client';
import { MAX_ERROR_BODY_BYTES, MAX_JSON_BODY_BYTES, readErrorBody } from '../src/response-body';
import { FakeTogether, readBody } from './support/fake-together';

// The response pipeline's bounds, observed at their edges over local sockets: how much of a body is
// read, when reading stops, and what the server sees of it.

const API_KEY = 'test-key-response-body-0123456789';

let server: FakeTogether;
let client: TogetherAudio;

beforeAll(async () => {
  server = await FakeTogether.start();
  client = new TogetherAudio({ apiKey: API_KEY, baseURL: server.baseURL, maxRetries: 0 });
});
afterEach(() => server.reset());
afterAll(() => server.close());

/** Resolves with whether the server's response was finished (all of it sent) or closed early by the client. */
function outcomeOf(res: ServerResponse): Promise<'finished' | 'closed early'> {
  return new Promise((resolve) => res.once('close', () => resolve(res.writableFinished ? 'finished' : 'closed early')));
}

/** GETs `path` from the fake server and hands over the raw response (an IncomingMessage), as the realtime upgrade does. */
function rawGet(path: string): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => http.get(`${server.baseURL}${path}`, resolve).once('error', reject));
}

describe('readErrorBody: a bounded prefix, within a time bound, then the connection released', () => {
  it('stops as soon as exactly 64 KiB have arrived, without waiting for more', async () => {
    let outcome!: Promise<'finished' | 'closed early'>;
    server.route('GET /error-body', (_req, res) => {
      outcome = outcomeOf(res);
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.write(Buffer.alloc(MAX_ERROR_BODY_BYTES, 'e')); // and then nothing, never the end
    });
    const started = Date.now();
    const body = await readErrorBody(await rawGet('/error-body'), 5_000);
    expect(body.length).toBe(MAX_ERROR_BODY_BYTES);
    expect(Date.now() - started).toBeLessThan(4_000);
    expect(await outcome).toBe('closed early');
  });

  it('keeps only the first 64 KiB of a longer write', async () => {
    server.route('GET /error-body', (_req, res) => {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(Buffer.concat([Buffer.alloc(MAX_ERROR_BODY_BYTES, 'a'), Buffer.from('tail')]));
    });
    const body = await readErrorBody(await rawGet('/error-body'));
    expect(body.length).toBe(MAX_ERROR_BODY_BYTES);
    expect(Buffer.from(body).includes('tail')).toBe(false);
  });

  it('a body that goes silent gives what arrived once the time is up, into the sink too, and the connection is closed', async () => {
    let outcome!: Promise<'finished' | 'closed early'>;
    server.route('GET /error-body', (_req, res) => {
      outcome = outcomeOf(res);
      res.writeHead(503, { 'content-type': 'text/plain' });
      res.write('no capacity');
    });
    const sink: Uint8Array[] = [];
    const body = await readErrorBody(await rawGet('/error-body'), 200, sink);
    expect(Buffer.from(body).toString()).toBe('no capacity');
    expect(Buffer.concat(sink).toString()).toBe('no capacity');
    expect(await outcome).toBe('closed early');
  });

  it('a body cut off by a reset gives what arrived, never a rejection', async () => {
    server.route('GET /error-body', (_req, res) => {
      res.writeHead(502, { 'content-type': 'text/plain', 'content-length': '1000' });
      res.write('bad gateway', () => setTimeout(() => res.socket?.destroy(), 20));
    });
    const body = await readErrorBody(await rawGet('/error-body'), 5_000);
    expect(Buffer.from(body).toString()).toBe('bad gateway');
  });
});

describe('a JSON body at the 32 MiB cap', () => {
  /** A JSON object of exactly `size` bytes. */
  function jsonOfSize(size: number): Buffer {
    const head = '{"data":[],"padding":"';
    const tail = '"}';
    return Buffer.from(`${head}${'x'.repeat(size - head.length - tail.length)}${tail}`);
  }

  async function voicesAnswered(body: Buffer, headers: http.OutgoingHttpHeaders): Promise<unknown> {
    server.route('GET /voices', async (req, res) => {
      await readBody(req);
      res.writeHead(200, { 'content-type': 'application/json', ...headers });
      // Several writes, as a large body arrives.
      for (let at = 0; at < body.length; at += 1 << 20) res.write(body.subarray(at, at + (1 << 20)));
      res.end();
    });
    return (await clientInternals(client)).voices.fetchVoices().then(
      (response) => response.data,
      (error: unknown) => error,
    );
  }

  it('exactly 32 MiB, declared in Content-Length, is read and parsed', async () => {
    const body = jsonOfSize(MAX_JSON_BODY_BYTES);
    const data = (await voicesAnswered(body, { 'content-length': String(body.length) })) as { padding: string };
    expect(data.padding).toHaveLength(MAX_JSON_BODY_BYTES - 24);
  });

  it('exactly 32 MiB, chunked (no length declared), is read and parsed', async () => {
    const data = (await voicesAnswered(jsonOfSize(MAX_JSON_BODY_BYTES), {})) as { padding: string };
    expect(data.padding).toHaveLength(MAX_JSON_BODY_BYTES - 24);
  });

  it('one byte more, chunked, is refused', async () => {
    const error = (await voicesAnswered(jsonOfSize(MAX_JSON_BODY_BYTES + 1), {})) as UnexpectedResponseError;
    expect(error.constructor).toBe(UnexpectedResponseError);
    expect(error.message).toBe('200 GET /voices: the body is larger than 32 MiB, the most this client holds in memory for it');
  });

  it('a declared length over the cap is refused from the headers alone, before any of the body is read', async () => {
    let outcome!: Promise<'finished' | 'closed early'>;
    server.route('GET /voices', (_req, res) => {
      outcome = outcomeOf(res);
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(MAX_JSON_BODY_BYTES + 1) });
      res.write('{"data":['); // and then nothing: reading on would wait for the timeout
    });
    const error = (await (await clientInternals(client)).voices.fetchVoices({ timeout: 5_000 }).catch((e: unknown) => e)) as UnexpectedResponseError;
    expect(error.constructor).toBe(UnexpectedResponseError);
    expect(error.message).toBe('200 GET /voices: the body is larger than 32 MiB, the most this client holds in memory for it');
    expect(await outcome).toBe('closed early');
  });
});
