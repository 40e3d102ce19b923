import { randomBytes } from 'node:crypto';
import { createReadStream, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import zlib from 'node:zlib';
import {
  APIConnectionError,
  APITimeoutError,
  APIUserAbortError,
  InternalServerError,
  StreamError,
  TogetherAudio,
  UnexpectedResponseError,
  UploadSourceError,
  type AudioSpeechRequest,
  type ClientOptions,
  type RequestOptions,
  type RetryEvent,
} from '../src';
import { FakeTogether, parseMultipart, readBody, sendJson, sha256 } from './support/fake-together';
import { repoRoot, startChild } from './support/processes';

// Issue 13: what the client does when a server (or something in between) misbehaves. Every test
// here talks to a scripted server on 127.0.0.1.

const API_KEY = 'test-key-hostile-0123456789';
const request: AudioSpeechRequest = { model: 'cartesia/sonic', input: 'Hello', voice: 'friendly sidekick' };
const UPLOAD = { model: 'openai/whisper-large-v3' } as const;

let server: FakeTogether;
let dir: string;

beforeAll(async () => {
  server = await FakeTogether.start();
  dir = mkdtempSync(path.join(tmpdir(), 'together-hostile-'));
});
afterEach(() => server.reset());
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

function makeClient(options: ClientOptions = {}): TogetherAudio {
  return new TogetherAudio({ apiKey: API_KEY, baseURL: server.baseURL, initialRetryDelay: 1, maxRetryDelay: 20, ...options });
}

async function failure(work: Promise<unknown>): Promise<Error> {
  return work.then(
    () => {
      throw new Error('expected a failure');
    },
    (error: unknown) => error as Error,
  );
}

/** Routes speech to `answer` once the whole request has been read. */
function onSpeech(answer: (res: ServerResponse) => void): void {
  server.route('POST /audio/speech', async (req, res) => {
    await readBody(req);
    answer(res);
  });
}

function sseEvent(data: string, newline = '\n'): string {
  return `data: ${data}${newline}${newline}`;
}

function chunkEvent(pcm: Buffer, newline = '\n'): string {
  return sseEvent(JSON.stringify({ data: { object: 'audio.tts.chunk', model: 'cartesia/sonic', b64: pcm.toString('base64') } }), newline);
}

async function collect(source: AsyncIterable<Buffer>): Promise<Buffer[]> {
  const chunks: Buffer[] = [];
  for await (const chunk of source) chunks.push(chunk);
  return chunks;
}

const compress: Record<string, (data: Buffer) => Buffer> = {
  gzip: (data) => zlib.gzipSync(data),
  'x-gzip': (data) => zlib.gzipSync(data),
  br: (data) => zlib.brotliCompressSync(data),
  deflate: (data) => zlib.deflateSync(data),
};

describe('1. compressed audio cut short', () => {
  it.each(Object.keys(compress))('%s: the HTTP framing is complete but the compressed stream is not: an error, never short audio', async (encoding) => {
    const audio = Buffer.alloc(400_000, 'audio ');
    const whole = compress[encoding](audio);
    const cut = whole.subarray(0, Math.floor(whole.length / 2));
    onSpeech((res) => {
      res.writeHead(200, { 'content-type': 'audio/wav', 'content-encoding': encoding, 'content-length': cut.length, 'x-request-id': 'req_cut' });
      res.end(cut);
    });
    const client = makeClient();

    const created = await failure(client.speech.create(request));
    expect(created).toBeInstanceOf(UnexpectedResponseError);
    expect(created).toMatchObject({ status: 200, requestId: 'req_cut' });
    expect(created.message).toContain(encoding);

    const file = path.join(dir, `cut-${encoding}.wav`);
    const saved = await failure(client.speech.toFile(request, file));
    expect(saved).toMatchObject({ status: 200 });
    expect(existsSync(file)).toBe(false);

    // Audio is asked for uncompressed: it barely compresses, so compression only adds risk.
    expect(server.requests.map((r) => r.headers['accept-encoding'])).toEqual(['identity', 'identity']);
  });

  it.each(Object.keys(compress))('%s: a complete compressed body is still decoded byte for byte', async (encoding) => {
    const audio = randomBytes(100_000);
    onSpeech((res) => {
      res.writeHead(200, { 'content-type': 'audio/wav', 'content-encoding': encoding });
      res.end(compress[encoding](audio));
    });
    const client = makeClient();
    expect((await client.speech.create(request)).equals(audio)).toBe(true);
    const file = path.join(dir, `whole-${encoding}.wav`);
    expect(await client.speech.toFile(request, file)).toEqual({ path: file, bytes: audio.length });
  });

  it('JSON, events and error bodies may still come compressed: decoded, and a truncated one is an error too', async () => {
    const voices = { object: 'list', data: [{ model: 'cartesia/sonic', voices: [{ id: 'v1', name: 'friendly sidekick' }] }] };
    let cutVoices = false;
    server.route('GET /voices', (_req, res) => {
      const body = zlib.gzipSync(JSON.stringify(voices));
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      res.end(cutVoices ? body.subarray(0, body.length - 10) : body);
    });
    const client = makeClient();
    expect(await client.voices.list()).toEqual(voices);
    cutVoices = true;
    expect(await failure(client.voices.list())).toBeInstanceOf(UnexpectedResponseError);

    const pcm = randomBytes(500);
    onSpeech((res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'content-encoding': 'br' });
      res.end(zlib.brotliCompressSync(chunkEvent(pcm) + sseEvent('[DONE]')));
    });
    expect(Buffer.concat(await collect(client.speech.stream(request))).equals(pcm)).toBe(true);

    onSpeech((res) => {
      res.writeHead(400, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      res.end(zlib.gzipSync(JSON.stringify({ error: { message: 'voice not found', type: 'invalid_request_error' } })));
    });
    expect((await failure(client.speech.create(request))).message).toContain('voice not found');
  });
});

describe('2. invalid JSON with status 200', () => {
  const cases: Array<[string, string, (client: TogetherAudio) => Promise<unknown>]> = [
    ['POST /audio/transcriptions', 'POST /audio/transcriptions', (client) => client.transcriptions.create({ file: Buffer.from('RIFF'), ...UPLOAD })],
    ['POST /audio/translations', 'POST /audio/translations', (client) => client.translations.create({ file: Buffer.from('RIFF'), ...UPLOAD })],
    ['GET /voices', 'GET /voices', (client) => client.voices.list()],
  ];

  it.each(cases)('%s: a typed error naming the operation, the status, the content type and the request id', async (route, operation, call) => {
    server.route(route as `POST /${string}`, async (req, res) => {
      await readBody(req);
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'x-request-id': 'req_html' });
      res.end('<html><body>Gateway maintenance</body></html>');
    });

    const error = await failure(call(makeClient()));

    expect(error).toBeInstanceOf(UnexpectedResponseError);
    expect(error).toMatchObject({ status: 200, requestId: 'req_html', contentType: 'text/html; charset=utf-8', operation });
    for (const part of [operation, '200', 'text/html', 'req_html', 'Gateway maintenance']) expect(error.message).toContain(part);
  });

  it('JSON cut off mid-way, labelled application/json, is the same error', async () => {
    server.route('POST /audio/transcriptions', async (req, res) => {
      await readBody(req);
      res.writeHead(200, { 'content-type': 'application/json', 'x-request-id': 'req_cut_json' });
      res.end('{"text": "hello wor');
    });

    const error = await failure(makeClient().transcriptions.create({ file: Buffer.from('RIFF'), ...UPLOAD }));

    expect(error).toMatchObject({ status: 200, requestId: 'req_cut_json' });
    expect(error.message).toMatch(/not valid JSON/);
  });
});

describe('3. a success whose content type contradicts the request', () => {
  const insufficient = (res: ServerResponse) =>
    sendJson(res, 200, { error: { message: 'Insufficient credits', type: 'billing_error' } }, { 'x-request-id': 'req_credits' });

  it('speech.create and toFile answered 200 application/json {"error": …}: an error with the server message, no file', async () => {
    onSpeech(insufficient);
    const client = makeClient();

    const created = await failure(client.speech.create({ ...request, response_format: 'mp3' }));
    expect(created).toMatchObject({ status: 200, requestId: 'req_credits', type: 'billing_error' });
    expect(created.message).toContain('Insufficient credits');
    expect(created.message).toContain('application/json');

    const file = path.join(dir, 'credits.mp3');
    const saved = await failure(client.speech.toFile({ ...request, response_format: 'mp3' }, file));
    expect(saved.message).toContain('Insufficient credits');
    expect(existsSync(file)).toBe(false);
  });

  it('speech.stream answered 200 application/json: the server message, not only "expected text/event-stream"', async () => {
    onSpeech(insufficient);

    const error = await failure(collect(makeClient().speech.stream(request)));

    expect(error).toBeInstanceOf(UnexpectedResponseError);
    expect(error).toMatchObject({ status: 200, requestId: 'req_credits' });
    expect(error.message).toContain('Insufficient credits');
    expect(error.message).toContain('text/event-stream');
  });

  it('any document where audio was asked is refused, e.g. an HTML page', async () => {
    onSpeech((res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<h1>Please log in</h1>');
    });

    const error = await failure(makeClient().speech.create(request));

    expect(error).toMatchObject({ status: 200 });
    expect(error.message).toContain('Please log in');
  });
});

describe('4. server-sent event details', () => {
  it('lone-CR line endings, with [DONE] as the very last bytes of the body', async () => {
    const pcm = [randomBytes(300), randomBytes(200)];
    onSpeech((res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(`${chunkEvent(pcm[0], '\r')}${chunkEvent(pcm[1], '\r')}${sseEvent('[DONE]', '\r')}`);
    });

    const chunks = await collect(makeClient().speech.stream(request));

    expect(Buffer.concat(chunks).equals(Buffer.concat(pcm))).toBe(true);
  });

  it('an empty data: line (a keep-alive) does not end the audio', async () => {
    const pcm = [randomBytes(300), randomBytes(200)];
    onSpeech((res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(`${chunkEvent(pcm[0])}data:\n\n: comment\n\ndata: \n\n${chunkEvent(pcm[1])}${sseEvent('[DONE]')}`);
    });

    const chunks = await collect(makeClient().speech.stream(request));

    expect(Buffer.concat(chunks).equals(Buffer.concat(pcm))).toBe(true);
  });
});

describe('5. uploads that finish, and fail honestly', () => {
  function acceptUploads(): { received: () => Promise<{ size: number; sha256: string } | undefined> } {
    let upload: Promise<{ size: number; sha256: string } | undefined> | undefined;
    server.route('POST /audio/transcriptions', async (req, res) => {
      upload = parseMultipart(req).then(
        (parsed) => parsed.files[0],
        () => undefined,
      );
      if (await upload) sendJson(res, 200, { text: 'done' });
    });
    return { received: () => upload ?? Promise.resolve(undefined) };
  }

  it('a Readable destroyed without an error rejects at once, naming the upload source', async () => {
    acceptUploads();
    const source = new PassThrough();
    source.write(randomBytes(1000));
    setTimeout(() => source.destroy(), 50);

    // The timeout is long: the old behaviour was to wait for it, then claim the server was silent.
    const error = await failure(makeClient({ timeout: 20_000 }).transcriptions.create({ file: source, ...UPLOAD }));

    expect(error).toBeInstanceOf(UploadSourceError);
    expect(error.message).toMatch(/PassThrough/);
    expect(error.message).toMatch(/before its end/);
  });

  it('a Readable destroyed before the upload starts sending rejects at once too', async () => {
    acceptUploads();
    const source = new PassThrough();

    const upload = makeClient({ timeout: 20_000 }).transcriptions.create({ file: source, ...UPLOAD });
    source.destroy();
    const error = await failure(upload);

    expect(error).toBeInstanceOf(UploadSourceError);
    expect(error.message).toMatch(/PassThrough.*before its end/);
  }, 10_000); // shorter than the request's timeout: waiting for that is the failure this guards against

  it.each([
    ['on a new connection', false],
    ['on a connection kept alive from an earlier call', true],
  ])('an upload whose bytes keep flowing for longer than the timeout finishes, %s: the timeout measures inactivity', async (_label, reuse) => {
    const { received } = acceptUploads();
    const pieces = Array.from({ length: 24 }, () => randomBytes(4096));
    async function* trickle() {
      for (const piece of pieces) {
        await new Promise((resolve) => setTimeout(resolve, 40));
        yield piece;
      }
    }
    const client = makeClient({ timeout: 300 });
    if (reuse) await client.transcriptions.create({ file: randomBytes(10), ...UPLOAD });

    // About a second of upload, against a 300 ms timeout.
    const result = await client.transcriptions.create({ file: Readable.from(trickle()), ...UPLOAD });

    expect(result).toEqual({ text: 'done' });
    expect(await received()).toMatchObject({ size: 24 * 4096, sha256: sha256(Buffer.concat(pieces)) });
  });

  it('an upload that stops sending still fails once nothing moves for the timeout', async () => {
    acceptUploads();
    const source = new PassThrough();
    source.write(randomBytes(1000));

    const error = await failure(makeClient({ timeout: 300 }).transcriptions.create({ file: source, ...UPLOAD }));
    source.destroy();

    expect(error).toBeInstanceOf(APITimeoutError);
    expect(error.message).toMatch(/nothing .*sent or received for 300 ms/);
  });

  it('an upload to a server that does not accept the connection is an APITimeoutError once its timeout has passed', async () => {
    // A listener whose one-place accept queue is full and whose process does not accept: the kernel
    // leaves any further connect pending (unanswered SYNs), until the child exits after 3 s.
    const listener = await startChild(
      process.execPath,
      [
        '-e',
        `const server = require('node:net').createServer();
         server.listen({ port: 0, host: '127.0.0.1', backlog: 1 }, () => {
           console.log('port ' + server.address().port);
           Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 3000);
         });`,
      ],
      { cwd: repoRoot, ready: /port (\d+)/ },
    );
    const port = Number(listener.ready[1]);
    const queued = [connect(port, '127.0.0.1'), connect(port, '127.0.0.1')];
    try {
      await Promise.all(queued.map((socket) => once(socket, 'connect')));
      const started = Date.now();
      const error = await failure(
        makeClient({ baseURL: `http://127.0.0.1:${port}`, timeout: 300, maxRetries: 0 }).transcriptions.create({ file: randomBytes(10), ...UPLOAD }),
      );
      expect(error).toBeInstanceOf(APITimeoutError);
      expect(Date.now() - started).toBeLessThan(1500);
    } finally {
      for (const socket of queued) socket.destroy();
      await listener.stop();
    }
  });

  it('a local failure (an unreadable file, a Readable that errors) names the source and is not a connection error', async () => {
    acceptUploads();
    const unreadable = createReadStream(dir); // opens, then fails to read: EISDIR
    const fileError = await failure(makeClient().transcriptions.create({ file: unreadable, ...UPLOAD }));
    expect(fileError).toBeInstanceOf(UploadSourceError);
    expect(fileError).not.toBeInstanceOf(APIConnectionError);
    expect(fileError.message).toContain(JSON.stringify(dir));
    expect(fileError.message).toContain('EISDIR');
    // A local failure would only happen again: a file given by path is not reopened for a retry.
    expect(server.requests.length).toBeLessThanOrEqual(1);

    const broken = new Readable({ read() {} });
    broken.push(randomBytes(100));
    setTimeout(() => broken.destroy(new Error('disk on fire')), 30);
    const streamError = await failure(makeClient().transcriptions.create({ file: broken, ...UPLOAD }));
    expect(streamError).toBeInstanceOf(UploadSourceError);
    expect(streamError).not.toBeInstanceOf(APIConnectionError);
    expect(streamError.message).toContain('disk on fire');
    expect(streamError.message).toMatch(/Readable/);
  });
});

describe('6. retry hints read strictly', () => {
  /** The wait the client chose after a 429 carrying `headers`; the wait itself is cut short by an abort. */
  async function chosenDelay(headers: Record<string, string>): Promise<number> {
    onSpeech((res) => sendJson(res, 429, { error: { message: 'slow down', type: 'rate_limit' } }, headers));
    const controller = new AbortController();
    const events: RetryEvent[] = [];
    const client = makeClient({
      initialRetryDelay: 100,
      maxRetryDelay: 600_000,
      onRetry: (event) => {
        events.push(event);
        controller.abort();
      },
    });
    expect(await failure(client.speech.create(request, { signal: controller.signal }))).toBeInstanceOf(APIUserAbortError);
    expect(events).toHaveLength(1);
    return events[0].delayMs;
  }

  /** The three HTTP-date forms of RFC 9110, for a moment 30 s from now. */
  function httpDates(): Record<'imf' | 'rfc850' | 'asctime', string> {
    const [weekday, day, month, year, time] = new Date(Date.now() + 30_000).toUTCString().replace(',', '').split(' ');
    const longDay = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'].find((name) => name.startsWith(weekday));
    return {
      imf: `${weekday}, ${day} ${month} ${year} ${time} GMT`,
      rfc850: `${longDay}, ${day}-${month}-${year.slice(2)} ${time} GMT`,
      asctime: `${weekday} ${month} ${String(Number(day)).padStart(2, ' ')} ${time} ${year}`,
    };
  }

  it.each([
    ['Retry-After: 0x10', { 'retry-after': '0x10' }],
    ['Retry-After: 1e3', { 'retry-after': '1e3' }],
    ['Retry-After: x 5', { 'retry-after': 'x 5' }],
    ['Retry-After: 1.5', { 'retry-after': '1.5' }],
    ['Retry-After: -5', { 'retry-after': '-5' }],
    ['Retry-After: (empty)', { 'retry-after': '' }],
    ['Retry-After: a lenient date', { 'retry-after': '2031-01-01' }],
    ['retry-after-ms: 1e3', { 'retry-after-ms': '1e3' }],
    ['retry-after-ms: 0x10', { 'retry-after-ms': '0x10' }],
    ['x-ratelimit-reset: 0x10', { 'x-ratelimit-reset': '0x10' }],
    ['x-ratelimit-reset: 1e3', { 'x-ratelimit-reset': '1e3' }],
  ])('%s is ignored: normal backoff', async (_label, headers) => {
    const delay = await chosenDelay(headers);
    expect(delay).toBeGreaterThanOrEqual(75);
    expect(delay).toBeLessThanOrEqual(100);
  });

  it.each([
    ['Retry-After: 7 (seconds)', () => ({ 'retry-after': '7' }), 7000, 7000],
    ['Retry-After: IMF-fixdate', () => ({ 'retry-after': httpDates().imf }), 27_000, 30_000],
    ['Retry-After: RFC 850 date', () => ({ 'retry-after': httpDates().rfc850 }), 27_000, 30_000],
    ['Retry-After: asctime date', () => ({ 'retry-after': httpDates().asctime }), 27_000, 30_000],
    ['retry-after-ms: 250', () => ({ 'retry-after-ms': '250' }), 250, 250],
    ['x-ratelimit-reset: 3', () => ({ 'x-ratelimit-reset': '3' }), 3000, 3000],
  ])('%s is honoured', async (_label, headers, min, max) => {
    const delay = await chosenDelay(headers());
    expect(delay).toBeGreaterThanOrEqual(min);
    expect(delay).toBeLessThanOrEqual(max);
  });
});

describe('7. memory bounded in bytes wherever a body is buffered', () => {
  /** Streams `total` bytes of `fill` in 1 MiB writes, honouring backpressure; resolves whether it all went out. */
  function streamBody(res: ServerResponse, total: number, fill: string): Promise<boolean> {
    const piece = Buffer.alloc(1 << 20, fill);
    return new Promise((resolve) => {
      let sent = 0;
      res.once('close', () => resolve(sent >= total && res.writableFinished));
      const pump = () => {
        while (sent < total && !res.destroyed) {
          sent += piece.length;
          if (!res.write(piece)) return void res.once('drain', pump);
        }
        if (sent >= total) res.end();
      };
      pump();
    });
  }

  it('a huge JSON success body: a clear error once the cap is passed, the rest is not read', async () => {
    let wholeBodySent: Promise<boolean> | undefined;
    server.route('GET /voices', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'x-request-id': 'req_huge' });
      res.write('{"data": [], "padding": "');
      wholeBodySent = streamBody(res, 256 << 20, 'x');
    });

    const error = await failure(makeClient().voices.list());

    expect(error).toBeInstanceOf(UnexpectedResponseError);
    expect(error).toMatchObject({ status: 200, requestId: 'req_huge' });
    expect(error.message).toMatch(/larger than \d+ MiB/);
    expect(await wholeBodySent).toBe(false);
  });

  it('a huge error body of a buffered request: only a bounded prefix is read', async () => {
    let wholeBodySent: Promise<boolean> | undefined;
    onSpeech((res) => {
      res.writeHead(500, { 'content-type': 'text/plain' });
      wholeBodySent = streamBody(res, 256 << 20, 'e');
    });

    const error = await failure(makeClient({ maxRetries: 0 }).speech.create(request));

    expect(error).toBeInstanceOf(InternalServerError);
    expect(error.message.length).toBeLessThan(1000);
    expect(await wholeBodySent).toBe(false);
  });

  it('a server-sent event that never ends: StreamError once it passes the cap', async () => {
    let wholeBodySent: Promise<boolean> | undefined;
    onSpeech((res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: ');
      wholeBodySent = streamBody(res, 256 << 20, 'A');
    });

    const error = await failure(collect(makeClient().speech.stream(request)));

    expect(error).toBeInstanceOf(StreamError);
    expect(error.message).toMatch(/larger than \d+ MiB/);
    expect(await wholeBodySent).toBe(false);
  });
});

describe('8. a speech request whose connection drops after the server read it', () => {
  function dropFirstAfterReading(): void {
    server.route('POST /audio/speech', async (req: IncomingMessage, res) => {
      await readBody(req);
      if (server.requests.length === 1) return void res.socket?.destroy();
      res.writeHead(200, { 'content-type': 'audio/wav' });
      res.end(Buffer.from('RIFF'));
    });
  }

  it('is retried by default (the server may have synthesized and billed it already)', async () => {
    dropFirstAfterReading();
    expect((await makeClient().speech.create(request)).toString()).toBe('RIFF');
    expect(server.requests).toHaveLength(2);
  });

  it('is not retried when the call opts out', async () => {
    dropFirstAfterReading();
    const options: RequestOptions & Record<string, unknown> = { maxRetries: 2, retryAfterSent: false };

    const error = await failure(makeClient().speech.create(request, options));

    expect(error).toBeInstanceOf(APIConnectionError);
    expect(error.message).toMatch(/retryAfterSent/);
    expect(server.requests).toHaveLength(1);
  });

  it('a request that never reached the server is still retried after opting out', async () => {
    let attempts = 0;
    server.route('POST /audio/speech', async (req, res) => {
      attempts += 1;
      if (attempts === 1) return void req.socket.destroy(); // before the body was read
      await readBody(req);
      res.writeHead(200, { 'content-type': 'audio/wav' });
      res.end(Buffer.from('RIFF'));
    });
    const big = { ...request, input: 'x'.repeat(4 << 20) };
    const options: RequestOptions & Record<string, unknown> = { retryAfterSent: false };

    expect((await makeClient().speech.create(big, options)).toString()).toBe('RIFF');
    expect(attempts).toBe(2);
  });
});
