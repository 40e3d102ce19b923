import * as publicApi from '../src';
import * as webApi from '../src/web';
import * as generatedApi from '../src/api';
import { APITimeoutError, APIUserAbortError, BadRequestError, TogetherAudio, type ResponseMeta } from '../src';
import { responseMeta } from '../src/response-meta';
import { FakeTogether, parseMultipart, readBody, sendError, sendJson, writeSpeechEvents } from './support/fake-together';

const RATE_HEADERS = {
  'x-request-id': 'req_ok_1',
  'x-ratelimit-limit': '600',
  'x-ratelimit-remaining': '599',
  'x-ratelimit-reset': '2',
  'x-tokenlimit-remaining': '12000',
};
const request = { model: 'cartesia/sonic', input: 'Hi', voice: 'friendly sidekick' };

let server: FakeTogether;
let client: TogetherAudio;

beforeAll(async () => {
  server = await FakeTogether.start();
  client = new TogetherAudio({ apiKey: 'test-key-meta', baseURL: server.baseURL, initialRetryDelay: 1 });
});
afterEach(() => server.reset());
afterAll(() => server.close());

function collector(): { metas: ResponseMeta[]; onResponse: (meta: ResponseMeta) => void } {
  const metas: ResponseMeta[] = [];
  return { metas, onResponse: (meta) => metas.push(meta) };
}

const expectedMeta: ResponseMeta = {
  requestId: 'req_ok_1',
  rateLimit: { limit: 600, remaining: 599, reset: 2 },
  tokenLimit: { remaining: 12000 },
};

describe('onResponse gives every facade call its request id and rate limits', () => {
  it('speech.create', async () => {
    server.route('POST /audio/speech', async (req, res) => {
      await readBody(req);
      res.writeHead(200, { 'content-type': 'audio/wav', ...RATE_HEADERS });
      res.end(Buffer.from([1, 2, 3]));
    });
    const { metas, onResponse } = collector();
    await client.speech.create(request, { onResponse });
    expect(metas).toEqual([expectedMeta]);
  });

  it('speech.stream, as soon as the headers arrive', async () => {
    server.route('POST /audio/speech', async (req, res) => {
      await readBody(req);
      res.setHeader('x-request-id', 'req_ok_1');
      for (const [name, value] of Object.entries(RATE_HEADERS)) res.setHeader(name, value);
      writeSpeechEvents(res, [Buffer.from([1, 2]), Buffer.from([3, 4])]);
    });
    const { metas, onResponse } = collector();
    const seenBeforeFirstChunk: number[] = [];
    for await (const _pcm of client.speech.stream(request, { onResponse })) seenBeforeFirstChunk.push(metas.length);
    expect(seenBeforeFirstChunk[0]).toBe(1);
    expect(metas).toEqual([expectedMeta]);
  });

  it('transcriptions.create, only for the attempt that succeeded', async () => {
    let attempts = 0;
    server.route('POST /audio/transcriptions', async (req, res) => {
      await parseMultipart(req);
      attempts++;
      if (attempts === 1) return sendError(res, 500, 'boom', {}, { 'x-request-id': 'req_failed' });
      sendJson(res, 200, { text: 'hello' }, RATE_HEADERS);
    });
    const { metas, onResponse } = collector();
    const result = await client.transcriptions.create({ file: Buffer.from('audio') }, { onResponse });
    expect(result).toEqual({ text: 'hello' });
    expect(attempts).toBe(2);
    expect(metas).toEqual([expectedMeta]);
  });

  it('is not called when the call fails, and must be a function', async () => {
    server.route('GET /voices', (_req, res) => sendError(res, 400, 'nope'));
    const { metas, onResponse } = collector();
    await expect(client.voices.list({ onResponse })).rejects.toThrow('nope');
    expect(metas).toEqual([]);
    await expect(client.speech.create(request, { onResponse: 'yes' as never })).rejects.toThrow(/onResponse/);
    expect(server.requests).toHaveLength(1);
  });
});

describe('withResponse and asResponse', () => {
  const audio = Buffer.from([0x52, 0x49, 0x46, 0x46, 0xff, 0x00, 0x80]);

  it('withResponse gives the data with the status, headers, request id and rate limits', async () => {
    server.route('POST /audio/speech', (_req, res) => {
      res.writeHead(200, { 'content-type': 'audio/wav', ...RATE_HEADERS });
      res.end(audio);
    });
    const { data, response } = await client.speech.create(request).withResponse();
    expect(Buffer.compare(data, audio)).toBe(0);
    expect(response).toMatchObject({
      status: 200,
      ...expectedMeta,
      headers: expect.objectContaining({ 'content-type': 'audio/wav', 'x-request-id': 'req_ok_1' }),
    });
    expect(server.requests).toHaveLength(1);
  });

  it('works the same for voices and transcriptions', async () => {
    server.route('GET /voices', (_req, res) => sendJson(res, 200, { data: [] }, RATE_HEADERS));
    server.route('POST /audio/transcriptions', (_req, res) => sendJson(res, 200, { text: 'hi' }, { 'x-request-id': 'req_tr' }));
    const voices = await client.voices.list().withResponse();
    expect(voices).toEqual({ data: { data: [] }, response: expect.objectContaining({ status: 200, requestId: 'req_ok_1' }) });
    const transcript = await client.transcriptions.create({ file: audio }).withResponse();
    expect(transcript).toEqual({ data: { text: 'hi' }, response: expect.objectContaining({ status: 200, requestId: 'req_tr' }) });
  });

  it('asResponse gives a web Response with the body unread, then the exact bytes', async () => {
    server.route('POST /audio/speech', (_req, res) => {
      res.writeHead(200, { 'content-type': 'audio/wav', ...RATE_HEADERS });
      res.end(audio);
    });
    const response = await client.speech.create(request).asResponse();
    expect(response).toBeInstanceOf(Response);
    expect(response.status).toBe(200);
    expect(response.headers.get('x-request-id')).toBe('req_ok_1');
    expect(response.bodyUsed).toBe(false);
    expect(Buffer.compare(Buffer.from(await response.arrayBuffer()), audio)).toBe(0);
  });

  it('asResponse still rejects an error status with the typed error', async () => {
    server.route('POST /audio/speech', (_req, res) => sendError(res, 400, 'bad voice'));
    await expect(client.speech.create(request, { maxRetries: 0 }).asResponse()).rejects.toBeInstanceOf(BadRequestError);
  });

  it('an invalid request rejects (never throws synchronously) and sends nothing', async () => {
    const call = client.speech.create({ ...request, voice: '' });
    await expect(call).rejects.toThrow(/"voice"/);
    await expect(call.withResponse()).rejects.toThrow(/"voice"/);
    expect(server.requests).toHaveLength(0);
  });
});

describe('one public surface', () => {
  it('the client exposes no axios instance, configuration or generated classes', () => {
    for (const name of ['axios', 'configuration', 'audio']) expect(name in client).toBe(false);
    expect(typeof (client.voices as unknown as { fetchVoices?: unknown }).fetchVoices).toBe('undefined');
  });

  it.each([
    ['the Node entry', publicApi],
    ['the runtime-neutral entry', webApi],
  ])('%s exports no generator internals or package internals', (_label, api) => {
    const names = Object.keys(api);
    expect(names.filter((name) => /(ParamCreator|Fp|Factory)$/.test(name))).toEqual([]);
    for (const internal of [
      'resolveApiKey',
      'resolveBaseURL',
      'retryDelayFor',
      'serverSuggestedDelay',
      'decodeSpeechEvents',
      'toAudioFile',
      'clientInternals',
    ]) {
      expect(names).not.toContain(internal);
    }
    expect(names).toEqual(expect.arrayContaining(['TogetherAudio', 'Configuration', 'BadRequestError']));
    // They import axios, which the client loads only on its first request: their own entry has them.
    expect(names).not.toContain('AudioApi');
  });

  it('the api entry exports the generated API classes and their enums, and none of the generator internals', () => {
    expect(Object.keys(generatedApi).sort()).toEqual([
      'AudioApi',
      'AudioTranscriptionsModelEnum',
      'AudioTranscriptionsResponseFormatEnum',
      'AudioTranslationsModelEnum',
      'AudioTranslationsResponseFormatEnum',
      'VoicesApi',
    ]);
  });
});

describe('an APIPromise sends its request once, whichever way it is used', () => {
  it('awaiting it, then asking withResponse, sends one request and gives the same data', async () => {
    server.route('GET /voices', (_req, res) => sendJson(res, 200, { data: [] }, RATE_HEADERS));
    const call = client.voices.list();
    const data = await call;
    const again = await call.withResponse();
    expect(again.data).toBe(data);
    expect(again.response.requestId).toBe('req_ok_1');
    expect(server.requests).toHaveLength(1);
  });

  it('nothing is sent until it is used', async () => {
    server.route('GET /voices', (_req, res) => sendJson(res, 200, { data: [] }));
    const call = client.voices.list();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(server.requests).toHaveLength(0);
    await call;
    expect(server.requests).toHaveLength(1);
  });

  it('finally runs once after success and after failure, passing the outcome through', async () => {
    server.route('GET /voices', (_req, res) => sendJson(res, 200, { data: [] }));
    let runs = 0;
    await expect(client.voices.list().finally(() => runs++)).resolves.toEqual({ data: [] });
    expect(runs).toBe(1);
    server.route('GET /voices', (_req, res) => sendError(res, 400, 'nope'));
    await expect(client.voices.list({ maxRetries: 0 }).finally(() => runs++)).rejects.toBeInstanceOf(BadRequestError);
    expect(runs).toBe(2);
  });

  it('catch gives the typed error', async () => {
    server.route('GET /voices', (_req, res) => sendError(res, 400, 'nope'));
    const error = await client.voices.list({ maxRetries: 0 }).catch((e: unknown) => e);
    expect((error as Error).constructor).toBe(BadRequestError);
  });
});

describe('responseMeta reads headers as servers and proxies send them', () => {
  it('header names in any case', () => {
    expect(responseMeta({ headers: { 'X-Request-Id': 'req_case', 'X-RateLimit-Remaining': '5', 'X-TokenLimit-Limit': '9' } })).toEqual({
      requestId: 'req_case',
      rateLimit: { remaining: 5 },
      tokenLimit: { limit: 9 },
    });
  });

  it('an empty x-request-id falls back to cf-ray; with neither, there is no request id', () => {
    expect(responseMeta({ headers: { 'x-request-id': '', 'cf-ray': 'ray-1' } }).requestId).toBe('ray-1');
    expect(responseMeta({ headers: { 'x-request-id': '', 'cf-ray': '' } }).requestId).toBeUndefined();
    expect(responseMeta({ headers: null }).requestId).toBeUndefined();
  });

  it('an empty or blank limit is absent, not 0; a value that is not a finite number is absent', () => {
    const meta = responseMeta({
      headers: {
        'x-ratelimit-remaining': '',
        'x-ratelimit-limit': '  ',
        'x-ratelimit-reset': 'Infinity',
        'x-ratelimit-limit-tokens': '7',
        'x-ratelimit-1m': '3',
      },
    });
    expect(meta.rateLimit).toEqual({ limitTokens: 7, '1m': 3 });
  });

  it('a header whose value is undefined or null, as a hand-built headers object may hold, is absent', () => {
    expect(responseMeta({ headers: { 'x-request-id': undefined, 'cf-ray': null, 'x-ratelimit-limit': null, 'x-ratelimit-remaining': undefined } })).toEqual({
      requestId: undefined,
      rateLimit: {},
      tokenLimit: {},
    });
  });

  it('a header sent twice is joined with a comma', async () => {
    server.route('GET /voices', (_req, res) => {
      res.setHeader('set-cookie', ['a=1', 'b=2']);
      sendJson(res, 200, { data: [] });
    });
    const { response } = await client.voices.list().withResponse();
    expect(response.headers['set-cookie']).toBe('a=1, b=2');
  });
});

describe('per-call options are checked before any I/O', () => {
  it.each([
    [{ retryAfterSent: 'no' }, 'Invalid retryAfterSent "no": expected true or false.'],
    [{ onResponse: 42 }, 'Invalid onResponse: expected a function.'],
    [{ timeout: 0 }, 'Invalid timeout 0: expected an integer >= 1.'],
    [{ maxRetries: 0.5 }, 'Invalid maxRetries 0.5: expected an integer >= 0.'],
  ])('%j', async (options, message) => {
    const error = await client.voices.list(options as never).catch((e: unknown) => e);
    expect((error as Error).constructor).toBe(TypeError);
    expect((error as Error).message).toBe(message);
    expect(server.requests).toHaveLength(0);
  });

  it('the per-call headers, signal and timeout reach the request', async () => {
    server.route('GET /voices', () => undefined); // never answers
    const controller = new AbortController();
    const call = client.voices.list({ headers: { 'X-Trace': 't-1' }, signal: controller.signal, timeout: 10_000 });
    setTimeout(() => controller.abort(), 100);
    await expect(call).rejects.toBeInstanceOf(APIUserAbortError);
    expect(server.requests[0].headers['x-trace']).toBe('t-1');
    server.route('GET /voices', () => undefined);
    await expect(client.voices.list({ timeout: 50, maxRetries: 0 })).rejects.toBeInstanceOf(APITimeoutError);
  });
});
