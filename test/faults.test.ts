import { isAxiosError } from 'axios';
import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  APIConnectionError,
  APIError,
  APITimeoutError,
  APIUserAbortError,
  RateLimitError,
  StreamError,
  TogetherAudio,
  type AudioSpeechRequest,
  type ClientOptions,
} from '../src';
import { FakeTogether, readBody, sendError, writeSpeechEvents } from './support/fake-together';
import { expectSecretAbsent } from './support/secrets';
import { clientInternals } from '../src/client';

const API_KEY = 'test-key-faults-0123456789';
const request: AudioSpeechRequest = { model: 'cartesia/sonic', input: 'Hello', voice: 'friendly sidekick' };

let server: FakeTogether;

beforeAll(async () => {
  server = await FakeTogether.start();
});
afterEach(() => server.reset());
afterAll(() => server.close());

function makeClient(options: ClientOptions = {}): TogetherAudio {
  return new TogetherAudio({ apiKey: API_KEY, baseURL: server.baseURL, initialRetryDelay: 1, maxRetryDelay: 20, ...options });
}

/** Resolves when the server side of a response has closed (the client went away or it ended). */
function closed(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => (res.closed ? resolve() : res.once('close', () => resolve())));
}

function chunkEvent(pcm: Buffer): string {
  return `data: ${JSON.stringify({ data: { object: 'audio.tts.chunk', model: 'cartesia/sonic', b64: pcm.toString('base64') } })}\n\n`;
}

/** Routes speech to `handler` after reading the request, and records the response's close. */
function onSpeech(handler: (res: ServerResponse) => void): { serverClosed: () => Promise<void> } {
  let closing: Promise<void> | undefined;
  server.route('POST /audio/speech', async (req, res) => {
    await readBody(req);
    closing = closed(res);
    handler(res);
  });
  return { serverClosed: () => closing ?? Promise.reject(new Error('no request arrived')) };
}

async function drain(body: AsyncIterable<unknown>): Promise<number> {
  let bytes = 0;
  for await (const chunk of body) bytes += (chunk as Buffer).length;
  return bytes;
}

async function failure(work: Promise<unknown>): Promise<unknown> {
  return work.then(
    () => {
      throw new Error('expected a failure');
    },
    (error: unknown) => error,
  );
}

describe('broken connections', () => {
  it('reset mid-body of a readable: APIConnectionError, not retried', async () => {
    onSpeech((res) => {
      res.writeHead(200, { 'content-type': 'audio/wav' });
      res.write(randomBytes(1000), () => res.socket?.destroy());
    });

    const body = await makeClient().speech.createReadable(request);
    const error = await failure(drain(body));

    expect(error).toBeInstanceOf(APIConnectionError);
    expect(isAxiosError(error)).toBe(false);
    expectSecretAbsent(error, API_KEY);
    expect(server.requests).toHaveLength(1);
  });

  it('reset mid-body of a speech stream: StreamError caused by APIConnectionError, not retried', async () => {
    onSpeech((res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(chunkEvent(randomBytes(64)), () => res.socket?.destroy());
    });

    const error = await failure(drain(makeClient().speech.stream(request)));

    expect(error).toBeInstanceOf(StreamError);
    expect((error as Error).cause).toBeInstanceOf(APIConnectionError);
    expectSecretAbsent(error, API_KEY);
    expect(server.requests).toHaveLength(1);
  });

  it('truncated SSE (the body ends without data: [DONE]): StreamError', async () => {
    onSpeech((res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(chunkEvent(randomBytes(64)));
      res.end(`data: {"data": {"object": "audio.tts.chunk", "b64": "AAAA`);
    });
    const error = await failure(drain(makeClient().speech.stream(request)));
    expect(error).toBeInstanceOf(StreamError);
    expect((error as Error).message).toMatch(/\[DONE\]/);
    expect(server.requests).toHaveLength(1);
  });

  it('malformed SSE JSON: StreamError naming the bad data', async () => {
    const { serverClosed } = onSpeech((res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(chunkEvent(randomBytes(64)));
      res.write('data: {this is not json}\n\n');
      // Left open: the client must close the connection itself.
    });
    const error = await failure(drain(makeClient().speech.stream(request)));
    expect(error).toBeInstanceOf(StreamError);
    expect((error as Error).message).toMatch(/not JSON.*this is not json/);
    await serverClosed();
  });

  it('an error status on a streamed request is retried before any byte reaches the caller', async () => {
    const pcm = randomBytes(96);
    server.route('POST /audio/speech', async (req, res) => {
      await readBody(req);
      if (server.requests.length === 1) return sendError(res, 503, 'busy');
      writeSpeechEvents(res, [pcm]);
    });
    const chunks: Buffer[] = [];
    for await (const chunk of makeClient().speech.stream(request)) chunks.push(chunk);
    expect(Buffer.concat(chunks).equals(pcm)).toBe(true);
    expect(server.requests).toHaveLength(2);
  });

  it('a streamed request that stays rate limited gives RateLimitError with the message from the streamed error body', async () => {
    onSpeech((res) => sendError(res, 429, 'Too many TTS requests', { type: 'rate_limit' }, { 'retry-after-ms': '1', 'x-request-id': 'req_tts' }));
    const error = await failure(drain(makeClient().speech.stream(request)));
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as Error).message).toContain('Too many TTS requests');
    expect((error as Error).message).toContain('gave up after 3 attempts');
    expect(server.requests).toHaveLength(3);
  });
});

describe('timeouts', () => {
  it('slow headers: APITimeoutError after the timeout, not retried', async () => {
    const { serverClosed } = onSpeech(() => undefined);
    const error = await failure(makeClient({ timeout: 100 }).speech.create(request));
    expect(error).toBeInstanceOf(APITimeoutError);
    expect(error).toBeInstanceOf(APIConnectionError);
    expect((error as Error).message).toMatch(/100 ms/);
    expect(server.requests).toHaveLength(1);
    await serverClosed();
  });

  it('the per-request timeout overrides the client one', async () => {
    onSpeech(() => undefined);
    const error = await failure(makeClient().speech.create(request, { timeout: 80 }));
    expect(error).toBeInstanceOf(APITimeoutError);
    expect((error as Error).message).toMatch(/80 ms/);
  });

  it('slow body of a readable: APITimeoutError once no byte arrives for the timeout, and the socket is closed', async () => {
    const { serverClosed } = onSpeech((res) => {
      res.writeHead(200, { 'content-type': 'audio/wav' });
      res.write(randomBytes(500));
    });
    // The same timeout bounds the wait for the headers: long enough for a loaded machine.
    const body = await makeClient({ timeout: 600 }).speech.createReadable(request);
    const error = await failure(drain(body));
    expect(error).toBeInstanceOf(APITimeoutError);
    expect((error as Error).message).toMatch(/sent nothing for 600 ms/);
    await serverClosed();
  });

  it('slow body of a speech stream: StreamError caused by APITimeoutError', async () => {
    const { serverClosed } = onSpeech((res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(chunkEvent(randomBytes(64)));
    });
    const error = await failure(drain(makeClient({ timeout: 600 }).speech.stream(request)));
    expect(error).toBeInstanceOf(StreamError);
    expect((error as Error).cause).toBeInstanceOf(APITimeoutError);
    await serverClosed();
  });

  it('a reader that pauses longer than the timeout is not a slow body', async () => {
    const payload = randomBytes(2 * 1024 * 1024);
    onSpeech((res) => {
      res.writeHead(200, { 'content-type': 'audio/wav' });
      res.end(payload);
    });
    const body: Readable = await makeClient({ timeout: 100 }).speech.createReadable(request);
    await sleep(400);
    const chunks: Buffer[] = [];
    for await (const chunk of body) {
      chunks.push(chunk as Buffer);
      if (chunks.length === 1) await sleep(250);
    }
    expect(Buffer.concat(chunks).equals(payload)).toBe(true);
  });

  it('a body that keeps trickling in is not timed out, however long it takes in all', async () => {
    onSpeech((res) => {
      res.writeHead(200, { 'content-type': 'audio/wav' });
      let sent = 0;
      const timer = setInterval(() => {
        res.write(Buffer.alloc(10));
        if ((sent += 1) === 8) {
          clearInterval(timer);
          res.end();
        }
      }, 40);
      res.once('close', () => clearInterval(timer));
    });
    const body = await makeClient({ timeout: 120 }).speech.createReadable(request);
    expect(await drain(body)).toBe(80);
  });
});

describe('cancellation', () => {
  it('an already aborted signal: APIUserAbortError and nothing sent', async () => {
    onSpeech(() => undefined);
    const controller = new AbortController();
    controller.abort();
    const error = await failure(makeClient().speech.create(request, { signal: controller.signal }));
    expect(error).toBeInstanceOf(APIUserAbortError);
    expect(server.requests).toHaveLength(0);
  });

  it('abort while waiting for headers: APIUserAbortError, cause is the signal reason, socket closed', async () => {
    const { serverClosed } = onSpeech(() => undefined);
    const controller = new AbortController();
    const pending = failure(makeClient().speech.create(request, { signal: controller.signal }));
    while (server.requests.length === 0) await sleep(5);
    const reason = new Error('user pressed stop');
    controller.abort(reason);
    const error = await pending;
    expect(error).toBeInstanceOf(APIUserAbortError);
    expect((error as Error).cause).toBe(reason);
    await serverClosed();
  });

  it('abort mid-body of a generated method streaming its response: APIUserAbortError from the body, socket closed', async () => {
    const { serverClosed } = onSpeech((res) => {
      res.writeHead(200, { 'content-type': 'audio/wav' });
      res.write(randomBytes(100));
    });
    const controller = new AbortController();
    const response = await (await clientInternals(makeClient())).audio.audioSpeech(
      { audioSpeechRequest: request },
      { responseType: 'stream', signal: controller.signal },
    );
    const body = response.data as unknown as Readable;
    const error = await failure(
      (async () => {
        for await (const _chunk of body) controller.abort();
      })(),
    );
    expect(error).toBeInstanceOf(APIUserAbortError);
    expect(isAxiosError(error)).toBe(false);
    expectSecretAbsent(error, API_KEY);
    await serverClosed();
  });

  it('abort mid-body of speech.createReadable: APIUserAbortError, socket closed', async () => {
    const { serverClosed } = onSpeech((res) => {
      res.writeHead(200, { 'content-type': 'audio/wav' });
      res.write(randomBytes(100));
    });
    const controller = new AbortController();
    const body = await makeClient().speech.createReadable(request, { signal: controller.signal });
    const error = await failure(
      (async () => {
        for await (const _chunk of body) controller.abort();
      })(),
    );
    expect(error).toBeInstanceOf(APIUserAbortError);
    expectSecretAbsent(error, API_KEY);
    await serverClosed();
  });

  it('abort mid-stream of a speech stream: APIUserAbortError, socket closed', async () => {
    const { serverClosed } = onSpeech((res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(chunkEvent(randomBytes(64)));
    });
    const controller = new AbortController();
    const error = await failure(
      (async () => {
        for await (const _chunk of makeClient().speech.stream(request, { signal: controller.signal })) controller.abort();
      })(),
    );
    expect(error).toBeInstanceOf(APIUserAbortError);
    expectSecretAbsent(error, API_KEY);
    await serverClosed();
  });
});

describe('buffered bodies', () => {
  it('a body that goes silent mid-way: APIConnectionError naming the timeout, never an APIError with status 200', async () => {
    const { serverClosed } = onSpeech((res) => {
      res.writeHead(200, { 'content-type': 'audio/wav' });
      res.write(randomBytes(100));
    });
    const error = await failure(makeClient({ timeout: 150, maxRetries: 0 }).speech.create(request));
    expect(error).toBeInstanceOf(APIConnectionError);
    expect((error as Error).message).toMatch(/nothing for 150 ms/);
    expect(server.requests).toHaveLength(1);
    await serverClosed();
  });

  it('a body cut off by a reset: APIConnectionError, not retried', async () => {
    onSpeech((res) => {
      res.writeHead(200, { 'content-type': 'audio/wav', 'content-length': '5000' });
      res.write(randomBytes(100), () => res.socket?.destroy());
    });
    const error = await failure(makeClient().speech.create(request));
    expect(error).toBeInstanceOf(APIConnectionError);
    expect(error).not.toBeInstanceOf(APIError);
    expect(server.requests).toHaveLength(1);
  });
});
