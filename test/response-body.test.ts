import { randomBytes } from 'node:crypto';
import { getEventListeners } from 'node:events';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { Stream } from 'node:stream';
import zlib from 'node:zlib';
import { APIConnectionError, TogetherAudio, UnexpectedResponseError } from '../src';
import { clientInternals } from '../src/client';
import { MAX_ERROR_BODY_BYTES, MAX_JSON_BODY_BYTES, guardStreamedBody, readErrorBody } from '../src/response-body';
import { BaseAPI } from '../generated/base';
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

  it('a chunked body is refused as soon as it passes the cap, without waiting for its end, and the connection is closed', async () => {
    let outcome!: Promise<'finished' | 'closed early'>;
    server.route('GET /voices', (_req, res) => {
      outcome = outcomeOf(res);
      res.writeHead(200, { 'content-type': 'application/json' });
      const body = jsonOfSize(MAX_JSON_BODY_BYTES + 1);
      for (let at = 0; at < body.length; at += 1 << 20) res.write(body.subarray(at, at + (1 << 20)));
      // and then nothing, never the end
    });
    const error = (await (await clientInternals(client)).voices.fetchVoices({ timeout: 5_000 }).catch((e: unknown) => e)) as UnexpectedResponseError;
    expect(error.message).toBe('200 GET /voices: the body is larger than 32 MiB, the most this client holds in memory for it');
    expect(await outcome).toBe('closed early');
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

describe('request bodies that cannot be sent twice', () => {
  it('a stream of the old kind (pipe and events, no async iteration, as older libraries give) is not retried', async () => {
    class UploadApi extends BaseAPI {
      send(data: Stream) {
        return this.axios.request({
          method: 'POST',
          url: `${this.basePath}/upload`,
          data,
          headers: { 'content-type': 'application/octet-stream' },
          timeout: 2_000,
        });
      }
    }
    server.route('POST /upload', async (req, res) => {
      await readBody(req);
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end('{"error":{"message":"busy"}}');
    });
    const body = new Stream();
    setImmediate(() => {
      body.emit('data', Buffer.from('audio'));
      body.emit('end');
    });
    const retrying = new TogetherAudio({ apiKey: API_KEY, baseURL: server.baseURL, maxRetries: 2, initialRetryDelay: 1 });
    const error = (await retrying
      .api(UploadApi)
      .send(body)
      .catch((e: unknown) => e)) as Error;
    expect(error.message).toMatch(/^503 .*: busy$/);
    expect(server.requests).toHaveLength(1);
  });
});

describe('bodies that are empty by their status or method', () => {
  it('a 204 to a JSON request resolves with status 204 and an empty body, not an "empty body" error', async () => {
    server.route('GET /voices', (_req, res) => {
      res.writeHead(204);
      res.end();
    });
    const response = await (await clientInternals(client)).voices.fetchVoices();
    expect(response.status).toBe(204);
    expect(response.data).toBe('');
  });

  it('a 204 releases its connection for the next request: sequential calls reuse one keep-alive connection', async () => {
    const clientPorts = new Set<number | undefined>();
    server.route('GET /voices', (req, res) => {
      clientPorts.add(req.socket.remotePort);
      res.writeHead(204);
      res.end();
    });
    for (let call = 0; call < 3; call++) expect((await (await clientInternals(client)).voices.fetchVoices()).status).toBe(204);
    expect(clientPorts.size).toBe(1);
  });

  it('asResponse of a 204 or 205 is a Response with that status and no body, and the connection is kept', async () => {
    const statuses = [204, 205];
    const clientPorts = new Set<number | undefined>();
    server.route('POST /audio/speech', async (req, res) => {
      clientPorts.add(req.socket.remotePort);
      await readBody(req);
      res.writeHead(statuses.shift() ?? 500);
      res.end();
    });
    const speech = { model: 'cartesia/sonic', input: 'Hi', voice: 'v' };
    const first = await client.speech.create(speech).asResponse();
    const second = await client.speech.create(speech).asResponse();
    expect([first.status, first.body, second.status, second.body]).toEqual([204, null, 205, null]);
    expect(clientPorts.size).toBe(1);
  });

  it('a 205 to a binary request resolves with no bytes', async () => {
    server.route('POST /audio/speech', async (req, res) => {
      await readBody(req);
      res.writeHead(205, { 'content-type': 'audio/wav' });
      res.end();
    });
    const response = await (await clientInternals(client)).audio.audioSpeech(
      { audioSpeechRequest: { model: 'cartesia/sonic', input: 'Hi', voice: 'v' } },
      { responseType: 'arraybuffer' },
    );
    expect(response.status).toBe(205);
    expect(response.data).toEqual(new Uint8Array(0));
  });

  it('a body a server sends with a 205 anyway is dropped, and its connection closed', async () => {
    let outcome!: Promise<'finished' | 'closed early'>;
    server.route('GET /voices', (_req, res) => {
      outcome = outcomeOf(res);
      res.writeHead(205, { 'content-type': 'application/json' });
      res.write('{"data":['); // and then nothing
    });
    const response = await (await clientInternals(client)).voices.fetchVoices();
    expect(response.status).toBe(205);
    expect(response.data).toBe('');
    expect(await outcome).toBe('closed early');
  });

  it('a HEAD request made through api() resolves with the headers and an empty body', async () => {
    class VoicesStatusApi extends BaseAPI {
      check() {
        return this.axios.request({ method: 'HEAD', url: `${this.basePath}/voices` });
      }
    }
    server.route('HEAD /voices', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1234', 'x-request-id': 'req_head' });
      res.end();
    });
    const response = await client.api(VoicesStatusApi).check();
    expect(response.status).toBe(200);
    expect(response.headers['x-request-id']).toBe('req_head');
    expect(response.data).toBe('');
    expect(server.requests.map((r) => r.method)).toEqual(['HEAD']);
  });
});

describe('the body checked against what the request asked for', () => {
  const speech = { model: 'cartesia/sonic', input: 'Hi', voice: 'v' };

  function answerSpeech(headers: http.OutgoingHttpHeaders, body: string | Buffer): void {
    server.route('POST /audio/speech', async (req, res) => {
      await readBody(req);
      res.writeHead(200, headers);
      res.end(body);
    });
  }

  it.each(['Text/HTML; charset=UTF-8', 'application/xml', 'application/soap+xml', 'application/problem+json'])(
    'audio asked for, %s refused',
    async (contentType) => {
      answerSpeech({ 'content-type': contentType }, 'not audio');
      const error = (await client.speech.create(speech).catch((e: unknown) => e)) as UnexpectedResponseError;
      expect(error.constructor).toBe(UnexpectedResponseError);
      expect(error.message).toMatch(new RegExp(`^200 POST /audio/speech: expected audio but got ${contentType.replace(/[+]/g, '\\+')}`));
    },
  );

  it.each(['audio/mpeg', 'application/octet-stream'])('audio asked for, %s accepted as it came', async (contentType) => {
    const bytes = Buffer.from([1, 2, 3, 255]);
    answerSpeech({ 'content-type': contentType }, bytes);
    expect(Buffer.compare(await client.speech.create(speech), bytes)).toBe(0);
  });

  it('audio asked for, a body without a content type is taken as audio', async () => {
    server.route('POST /audio/speech', async (req, res) => {
      await readBody(req);
      res.writeHead(200);
      res.end(Buffer.from([9, 8, 7]));
    });
    expect([...(await client.speech.create(speech))]).toEqual([9, 8, 7]);
  });

  it('speech in a format the generated code names no media type for asks for every kind, and takes the audio', async () => {
    answerSpeech({ 'content-type': 'audio/ogg' }, Buffer.from([4, 5, 6]));
    const response = await (await clientInternals(client)).audio.audioSpeech(
      { audioSpeechRequest: { ...speech, response_format: 'opus' as never } },
      { responseType: 'arraybuffer' },
    );
    expect(server.requests[0].headers.accept).toBe('application/octet-stream,audio/wav,audio/mpeg,text/event-stream,application/json');
    expect([...(response.data as unknown as Uint8Array)]).toEqual([4, 5, 6]);
  });

  it('events asked for, a body without a content type is refused', async () => {
    server.route('POST /audio/speech', async (req, res) => {
      await readBody(req);
      res.writeHead(200);
      res.end('data: [DONE]\n\n');
    });
    const error = await (async () => {
      for await (const _chunk of client.speech.stream(speech));
    })().catch((e: unknown) => e);
    expect((error as Error).constructor).toBe(UnexpectedResponseError);
    expect((error as Error).message).toBe('200 POST /audio/speech: expected text/event-stream but got no content type: data: [DONE]');
  });

  it.each([
    ['axios’s default Accept (application/json, text/plain, */*)', undefined],
    ['Accept */*', '*/*'],
    ['an empty Accept', ''],
  ])('a request through api() that names no particular kind, with %s, takes the body it gets', async (_name, accept) => {
    class PageApi extends BaseAPI {
      get() {
        return this.axios.request({ url: `${this.basePath}/page`, responseType: 'text', headers: accept === undefined ? {} : { Accept: accept } });
      }
    }
    server.route('GET /page', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<p>status page</p>');
    });
    expect((await client.api(PageApi).get()).data).toBe('<p>status page</p>');
  });

  it('JSON and event requests ask for compressed bodies, audio for identity, and a caller’s own Accept-Encoding is kept', async () => {
    server.route('GET /voices', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"data":[]}');
    });
    answerSpeech({ 'content-type': 'audio/wav' }, 'RIFF');
    await client.voices.list();
    await client.speech.create(speech);
    await client.voices.list({ headers: { 'Accept-Encoding': 'gzip' } });
    expect(server.requests.map((r) => `${r.method} ${r.headers['accept-encoding']}`)).toEqual(['GET gzip, deflate, br', 'POST identity', 'GET gzip']);
  });
});

describe('content encodings', () => {
  const speech = { model: 'cartesia/sonic', input: 'Hi', voice: 'v' };

  it.each(['identity', ' Identity '])('Content-Encoding %j is the body as it came', async (encoding) => {
    server.route('POST /audio/speech', async (req, res) => {
      await readBody(req);
      res.writeHead(200, { 'content-type': 'audio/wav', 'content-encoding': encoding });
      res.end(Buffer.from([1, 2, 3]));
    });
    expect([...(await client.speech.create(speech))]).toEqual([1, 2, 3]);
  });

  it('an encoding the client does not decode is refused by name, and the connection is released unread', async () => {
    let outcome!: Promise<'finished' | 'closed early'>;
    server.route('POST /audio/speech', async (req, res) => {
      await readBody(req);
      outcome = outcomeOf(res);
      res.writeHead(200, { 'content-type': 'audio/wav', 'content-encoding': 'Zstd' });
      res.write(Buffer.alloc(1024)); // and then nothing
    });
    const error = (await client.speech.create(speech).catch((e: unknown) => e)) as UnexpectedResponseError;
    expect(error.constructor).toBe(UnexpectedResponseError);
    expect(error.message).toBe('200 POST /audio/speech: the body has Content-Encoding "zstd", which this client does not decode');
    expect(await outcome).toBe('closed early');
  });

  it('an error body in an encoding the client does not decode is still quoted as it came', async () => {
    server.route('POST /audio/speech', async (req, res) => {
      await readBody(req);
      res.writeHead(400, { 'content-type': 'application/json', 'content-encoding': 'zstd' });
      res.end(JSON.stringify({ error: { message: 'voice is unknown' } }));
    });
    const error = (await client.speech.create(speech).catch((e: unknown) => e)) as Error;
    expect(error.message).toBe('400 voice is unknown');
  });
});

describe('a body that breaks off', () => {
  it.each<[string, http.OutgoingHttpHeaders, (bytes: Buffer) => Buffer]>([
    ['', {}, (bytes) => bytes],
    [', also when the body is compressed', { 'content-encoding': 'gzip' }, (bytes) => zlib.gzipSync(bytes)],
  ])('is an APIConnectionError quoting the socket failure, with the system code and the failure as its cause%s', async (_label, headers, encode) => {
    server.route('POST /audio/speech', async (req, res) => {
      await readBody(req);
      res.writeHead(200, { 'content-type': 'audio/wav', 'content-length': '100000', ...headers });
      res.write(encode(randomBytes(100_000)).subarray(0, 1000), () => setTimeout(() => res.socket?.destroy(), 20));
    });
    const error = (await client.speech.create({ model: 'cartesia/sonic', input: 'Hi', voice: 'v' }).catch((e: unknown) => e)) as APIConnectionError;
    expect(error.constructor).toBe(APIConnectionError);
    expect(error.message).toBe('The connection broke off before the response body ended: aborted.');
    expect(error.code).toBe('ECONNRESET');
    expect((error.cause as Error).message).toBe('aborted');
  });
});

describe('a fetch body that breaks off (a web ReadableStream, as the fetch adapter gives)', () => {
  /** The error reading `failure`'s guarded body gives. */
  async function failureReading(failure: unknown): Promise<APIConnectionError> {
    const body = new ReadableStream<Uint8Array>({ pull: (controller) => controller.error(failure) });
    return (await guardStreamedBody(body, undefined)
      .getReader()
      .read()
      .catch((e: unknown) => e)) as APIConnectionError;
  }

  it('a DOMException, as browsers fail a fetch body with, is quoted, and its numeric legacy code is no error code', async () => {
    const failure = new DOMException('The network connection to api.together.xyz was lost.', 'NetworkError');
    const error = await failureReading(failure);
    expect(error.constructor).toBe(APIConnectionError);
    expect(error.message).toBe('The connection broke off before the response body ended: The network connection to api.together.xyz was lost.');
    expect(error.code).toBeUndefined();
    expect(error.cause).toBe(failure);
  });

  it.each([
    ['a failure without a message', new TypeError()],
    ['a failure that is not an error', undefined],
  ])('%s still reads as a sentence', async (_name, failure) => {
    const error = await failureReading(failure);
    expect(error.constructor).toBe(APIConnectionError);
    expect(error.message).toBe('The connection broke off before the response body ended.');
  });
});

describe('a JSON success body, parsed strictly', () => {
  function answerVoices(body: string | Buffer, headers: http.OutgoingHttpHeaders = { 'content-type': 'application/json' }): void {
    server.route('GET /voices', (_req, res) => {
      res.writeHead(200, headers);
      res.end(body);
    });
  }

  async function voicesError(): Promise<Error> {
    return (await client.voices.list().catch((e: unknown) => e)) as Error;
  }

  it('a byte order mark before the JSON is allowed', async () => {
    answerVoices(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"data":[]}')]));
    expect(await client.voices.list()).toEqual({ data: [] });
  });

  it.each([
    ['', 'the body is empty (application/json)'],
    [' \n', 'the body is empty (application/json)'],
    ['{"data": [', 'the body is not valid JSON (application/json): {"data": ['],
    ['42', 'the body is JSON but not an object (application/json): 42'],
    ['null', 'the body is JSON but not an object (application/json)'],
  ])('%j: %s', async (body, problem) => {
    answerVoices(body);
    const error = await voicesError();
    expect(error.constructor).toBe(UnexpectedResponseError);
    expect(error.message).toBe(`200 GET /voices: ${problem}`);
  });

  it('a byte order mark is dropped only at the start: one inside a string is part of the data', async () => {
    answerVoices('{"data":[],"mark":"\uFEFF"}');
    expect(await client.voices.list()).toEqual({ data: [], mark: '\uFEFF' });
  });

  it('without a content type, the message says so', async () => {
    answerVoices('nope', {});
    expect((await voicesError()).message).toBe('200 GET /voices: the body is not valid JSON (no content type): nope');
  });

  it('responseType text gives the body as text, and asResponse of a JSON call gives it unread', async () => {
    answerVoices('{"data":[]}');
    const text = await (await clientInternals(client)).voices.fetchVoices({ responseType: 'text' });
    expect(text.data).toBe('{"data":[]}');
    const response = await client.voices.list().asResponse();
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.json()).toEqual({ data: [] });
  });
});

describe('streamed bodies', () => {
  const speech = { model: 'cartesia/sonic', input: 'Hi', voice: 'v' };

  it('an event stream is accepted whatever the spacing around its parameters', async () => {
    server.route('POST /audio/speech', async (req, res) => {
      await readBody(req);
      res.writeHead(200, { 'content-type': 'Text/Event-Stream ; charset=utf-8' });
      res.end(`data: ${JSON.stringify({ data: { object: 'audio.tts.chunk', b64: Buffer.from([1, 2]).toString('base64') } })}\n\ndata: [DONE]\n\n`);
    });
    const chunks: Uint8Array[] = [];
    for await (const chunk of client.speech.stream(speech)) chunks.push(chunk);
    expect(Buffer.concat(chunks)).toEqual(Buffer.from([1, 2]));
  });

  it('a compressed event stream the caller stops reading early closes its connection', async () => {
    let outcome!: Promise<'finished' | 'closed early'>;
    server.route('POST /audio/speech', async (req, res) => {
      await readBody(req);
      outcome = outcomeOf(res);
      res.writeHead(200, { 'content-type': 'text/event-stream', 'content-encoding': 'gzip' });
      const gzip = zlib.createGzip();
      gzip.pipe(res);
      gzip.write(`data: ${JSON.stringify({ data: { object: 'audio.tts.chunk', b64: Buffer.from([1, 2]).toString('base64') } })}\n\n`);
      gzip.flush(); // and then nothing more, never the end
    });
    for await (const chunk of client.speech.stream(speech)) {
      expect([...chunk]).toEqual([1, 2]);
      break;
    }
    expect(await outcome).toBe('closed early');
  });

  it('a compressed event stream that succeeds on a retry is decoded once', async () => {
    let attempts = 0;
    server.route('POST /audio/speech', async (req, res) => {
      await readBody(req);
      attempts++;
      if (attempts === 1) {
        res.writeHead(503, { 'content-type': 'application/json' });
        return void res.end('{"error":{"message":"busy"}}');
      }
      res.writeHead(200, { 'content-type': 'text/event-stream', 'content-encoding': 'gzip' });
      res.end(
        zlib.gzipSync(`data: ${JSON.stringify({ data: { object: 'audio.tts.chunk', b64: Buffer.from([7, 7]).toString('base64') } })}\n\ndata: [DONE]\n\n`),
      );
    });
    const retrying = new TogetherAudio({ apiKey: API_KEY, baseURL: server.baseURL, maxRetries: 1, initialRetryDelay: 1 });
    const chunks: Uint8Array[] = [];
    for await (const chunk of retrying.speech.stream(speech)) chunks.push(chunk);
    expect(attempts).toBe(2);
    expect(Buffer.concat(chunks)).toEqual(Buffer.from([7, 7]));
  });

  it('axios’s timeout 0 (none), given to a generated method, never times out a body that pauses', async () => {
    server.route('POST /audio/speech', async (req, res) => {
      await readBody(req);
      res.writeHead(200, { 'content-type': 'audio/wav' });
      res.write(Buffer.from([1]));
      setTimeout(() => res.end(Buffer.from([2])), 100);
    });
    const response = await (await clientInternals(client)).audio.audioSpeech({ audioSpeechRequest: speech }, { responseType: 'stream', timeout: 0 });
    const bytes: number[] = [];
    for await (const chunk of response.data as unknown as ReadableStream<Uint8Array>) bytes.push(...chunk);
    expect(bytes).toEqual([1, 2]);
  });

  it('one AbortSignal shared by many requests is left without listeners once they are done', async () => {
    server.route('POST /audio/speech', async (req, res) => {
      await readBody(req);
      res.writeHead(200, { 'content-type': 'audio/wav' });
      res.end(Buffer.from([1, 2, 3]));
    });
    const controller = new AbortController();
    for (let i = 0; i < 12; i++) {
      const response = await client.speech.create(speech, { signal: controller.signal }).asResponse();
      await response.arrayBuffer();
    }
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  /** A streamed speech response as the generated method gives it: its body is the guarded web ReadableStream. */
  async function streamedSpeech(options: { timeout?: number; signal?: AbortSignal } = {}): Promise<ReadableStream<Uint8Array>> {
    const response = await (await clientInternals(client)).audio.audioSpeech({ audioSpeechRequest: speech }, { responseType: 'stream', ...options });
    return response.data as unknown as ReadableStream<Uint8Array>;
  }

  it('the idle timeout counts only while the reader waits: a reader that pauses through a silence longer than it gets the rest', async () => {
    server.route('POST /audio/speech', async (req, res) => {
      await readBody(req);
      res.writeHead(200, { 'content-type': 'audio/wav' });
      res.write(Buffer.from([1]));
      setTimeout(() => res.end(Buffer.from([2])), 400);
    });
    const reader = (await streamedSpeech({ timeout: 150 })).getReader();
    expect([...((await reader.read()).value ?? [])]).toEqual([1]);
    await new Promise((resolve) => setTimeout(resolve, 700)); // not reading, while the server is silent for 400 ms
    expect([...((await reader.read()).value ?? [])]).toEqual([2]);
    expect((await reader.read()).done).toBe(true);
  });

  it('a streamed body its reader cancels closes the connection and leaves no listener on the signal', async () => {
    let outcome!: Promise<'finished' | 'closed early'>;
    server.route('POST /audio/speech', async (req, res) => {
      await readBody(req);
      outcome = outcomeOf(res);
      res.writeHead(200, { 'content-type': 'audio/wav' });
      res.write(Buffer.from([1, 2, 3])); // and then nothing
    });
    const controller = new AbortController();
    const reader = (await streamedSpeech({ signal: controller.signal })).getReader();
    expect([...((await reader.read()).value ?? [])]).toEqual([1, 2, 3]);
    await reader.cancel();
    expect(await outcome).toBe('closed early');
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('audio declared longer than 256 MiB is refused from the headers, pointing to the streamed forms', async () => {
    let outcome!: Promise<'finished' | 'closed early'>;
    server.route('POST /audio/speech', async (req, res) => {
      await readBody(req);
      outcome = outcomeOf(res);
      res.writeHead(200, { 'content-type': 'audio/wav', 'content-length': String(256 * 1024 * 1024 + 1) });
      res.write(Buffer.alloc(1024));
    });
    const error = (await client.speech.create(speech).catch((e: unknown) => e)) as UnexpectedResponseError;
    expect(error.constructor).toBe(UnexpectedResponseError);
    expect(error.message).toBe(
      '200 POST /audio/speech: the body is larger than 256 MiB, the most this client holds in memory for it; read audio this long from .asResponse() (or speech.toFile() on Node)',
    );
    expect(await outcome).toBe('closed early');
  });
});
