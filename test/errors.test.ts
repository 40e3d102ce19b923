import axios, { AxiosError, isAxiosError } from 'axios';
import type { ServerResponse } from 'node:http';
import { types } from 'node:util';
import {
  APIConnectionError,
  APIError,
  APITimeoutError,
  APIUserAbortError,
  AudioTooLongError,
  AuthenticationError,
  BadRequestError,
  ConflictError,
  InternalServerError,
  NotFoundError,
  PayloadTooLargeError,
  PermissionDeniedError,
  RateLimitError,
  ServiceUnavailableError,
  TogetherAudio,
  TogetherAudioError,
  UnexpectedResponseError,
  UnprocessableEntityError,
  type AudioSpeechRequest,
} from '../src';
import { apiErrorFor, errorDetailOf, parseErrorBody, redactor, toTogetherError } from '../src/errors';
import { FakeTogether, readBody, sendError, sendJson } from './support/fake-together';
import { expectSecretAbsent } from './support/secrets';
import { clientInternals, type ClientInternals } from '../src/client';
import { responseMeta } from '../src/response-meta';

const API_KEY = 'tgp_v1_secret-key-for-error-tests-0123456789';
const request: AudioSpeechRequest = { model: 'cartesia/sonic', input: 'Hello', voice: 'friendly sidekick' };

let server: FakeTogether;
let client: TogetherAudio;

beforeAll(async () => {
  server = await FakeTogether.start();
  client = new TogetherAudio({ apiKey: API_KEY, baseURL: server.baseURL, maxRetries: 0 });
});
afterEach(() => server.reset());
afterAll(() => server.close());

async function speechError(options: Parameters<ClientInternals['audio']['audioSpeech']>[1] = {}): Promise<unknown> {
  return (await clientInternals(client)).audio.audioSpeech({ audioSpeechRequest: request }, options).then(
    () => {
      throw new Error('expected the request to fail');
    },
    (error: unknown) => error,
  );
}

function respond(handler: (res: ServerResponse) => void): void {
  server.route('POST /audio/speech', async (req, res) => {
    await readBody(req);
    handler(res);
  });
}

describe('status codes map to typed errors carrying the ErrorData fields and the request id', () => {
  it.each([
    [400, BadRequestError],
    [401, AuthenticationError],
    [403, PermissionDeniedError],
    [404, NotFoundError],
    [409, ConflictError],
    [413, PayloadTooLargeError],
    [422, UnprocessableEntityError],
    [429, RateLimitError],
    [500, InternalServerError],
    [502, InternalServerError],
    [503, ServiceUnavailableError],
    [504, InternalServerError],
    [418, APIError],
  ])('%i → exactly %p, named after its class', async (status, ErrorClass) => {
    respond((res) =>
      sendError(res, status, 'something specific went wrong', { type: 'some_type', code: 'some_code', param: 'voice' }, { 'x-request-id': `req_${status}` }),
    );

    const error = await speechError();

    expect((error as APIError).constructor).toBe(ErrorClass);
    expect((error as APIError).name).toBe(ErrorClass.name);
    expect(error).toBeInstanceOf(APIError);
    expect(error).toBeInstanceOf(TogetherAudioError);
    expect(isAxiosError(error)).toBe(false);
    expect(error).toMatchObject({
      status,
      type: 'some_type',
      code: 'some_code',
      param: 'voice',
      requestId: `req_${status}`,
      attempts: 1,
      error: { message: 'something specific went wrong', type: 'some_type', code: 'some_code', param: 'voice' },
    });
    expect((error as APIError).headers['x-request-id']).toBe(`req_${status}`);
    expect((error as Error).message).toContain('something specific went wrong');
    expect((error as Error).message).toContain(`req_${status}`);
    expect((error as Error).message).toMatch(new RegExp(`^${status} `));
  });

  it('503 → ServiceUnavailableError, also an InternalServerError, whose message says the platform was at capacity', async () => {
    respond((res) => sendError(res, 503, 'no capacity', { type: 'service_unavailable' }, { 'x-request-id': 'req_503' }));
    const error = (await speechError()) as ServiceUnavailableError;
    expect(error).toBeInstanceOf(ServiceUnavailableError);
    expect(error).toBeInstanceOf(InternalServerError);
    expect(error.message).toMatch(/at capacity/);
    expect(error.message).toContain('no capacity');
    expect(error.message).toContain('req_503');
  });

  it('a plain 500 does not claim the platform is at capacity', async () => {
    respond((res) => sendError(res, 500, 'boom'));
    const error = (await speechError()) as Error;
    expect(error).toBeInstanceOf(InternalServerError);
    expect(error).not.toBeInstanceOf(ServiceUnavailableError);
    expect(error.message).not.toMatch(/capacity/);
  });

  it('413 → PayloadTooLargeError saying the upload size limit was hit', async () => {
    respond((res) => {
      res.writeHead(413, { 'content-type': 'text/html' });
      res.end('<html><head><title>413 Request Entity Too Large</title></head><body><center><h1>413 Request Entity Too Large</h1></center></body></html>');
    });
    const error = (await speechError()) as Error;
    expect(error).toBeInstanceOf(PayloadTooLargeError);
    expect(error.message).toMatch(/upload size limit/);
    expect(error.message).toContain('Request Entity Too Large');
    expect(error.message).not.toContain('<');
  });

  it.each([400, 422])('code audio_too_long (status %i) → AudioTooLongError saying the audio-length limit was hit', async (status) => {
    respond((res) => sendError(res, status, 'Audio duration exceeds the maximum of 600 seconds', { code: 'audio_too_long', param: 'file' }));
    const error = (await speechError()) as AudioTooLongError;
    expect(error).toBeInstanceOf(AudioTooLongError);
    expect(error).toMatchObject({ status, code: 'audio_too_long', param: 'file' });
    expect(error.message).toMatch(/audio-length limit/);
    expect(error.message).toContain('600 seconds');
  });

  it('uses cf-ray as the request id when there is no x-request-id', async () => {
    respond((res) => sendError(res, 404, 'no such voice', {}, { 'cf-ray': '8f1c2d3e4a5b6c7d-SJC' }));
    const error = (await speechError()) as APIError;
    expect(error.requestId).toBe('8f1c2d3e4a5b6c7d-SJC');
    expect(error.message).toContain('8f1c2d3e4a5b6c7d-SJC');
  });

  it('exposes x-ratelimit-* and x-tokenlimit-* as numbers on a RateLimitError', async () => {
    respond((res) =>
      sendError(
        res,
        429,
        'slow down',
        { type: 'rate_limit' },
        {
          'x-ratelimit-limit': '600',
          'x-ratelimit-remaining': '0',
          'x-ratelimit-reset': '2.5',
          'x-ratelimit-remaining-tokens': '12',
          'x-tokenlimit-limit': '100000',
          'x-tokenlimit-remaining': '42',
        },
      ),
    );
    const error = (await speechError()) as RateLimitError;
    expect(error).toBeInstanceOf(RateLimitError);
    expect(error.rateLimit).toEqual({ limit: 600, remaining: 0, reset: 2.5, remainingTokens: 12 });
    expect(error.tokenLimit).toEqual({ limit: 100000, remaining: 42 });
  });
});

describe('bodies that are not ErrorData still give a clear message', () => {
  it('an HTML page from a proxy', async () => {
    respond((res) => {
      res.writeHead(502, { 'content-type': 'text/html' });
      res.end(
        '<!DOCTYPE html><html><head><style>body{color:red}</style><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1><p>The upstream server is unreachable.</p></body></html>',
      );
    });
    const error = (await speechError()) as Error;
    expect(error).toBeInstanceOf(InternalServerError);
    expect(error.message).toContain('502 Bad Gateway');
    expect(error.message).toContain('The upstream server is unreachable.');
    expect(error.message).not.toMatch(/[<>]|color:red/);
  });

  it('an empty 500 body', async () => {
    respond((res) => {
      res.writeHead(500);
      res.end();
    });
    const error = (await speechError()) as Error;
    expect(error).toBeInstanceOf(InternalServerError);
    expect(error.message).toMatch(/^500 .*empty body/);
  });

  it('JSON that is not ErrorData', async () => {
    respond((res) => {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ detail: 'weird shape' }));
    });
    const error = (await speechError()) as Error;
    expect(error).toBeInstanceOf(BadRequestError);
    expect(error.message).toContain('weird shape');
  });

  it('an RFC 9457 problem document from a gateway', async () => {
    respond((res) => {
      res.writeHead(500, { 'content-type': 'application/problem+json' });
      res.end(JSON.stringify({ type: 'https://gateway.example/errors/upstream', title: 'Upstream failed', status: 500, detail: 'no healthy backend' }));
    });
    const error = (await speechError()) as InternalServerError;
    expect(error).toBeInstanceOf(InternalServerError);
    expect(error.message).toMatch(/^500 .*Upstream failed: no healthy backend/);
    expect(error.type).toBe('https://gateway.example/errors/upstream');
  });
});

describe('error bodies of streamed and binary requests are read before the error is built', () => {
  it.each(['stream', 'arraybuffer'] as const)('responseType %s', async (responseType) => {
    respond((res) => sendError(res, 400, 'input is too long', { param: 'input' }, { 'x-request-id': 'req_body' }));
    const error = (await speechError({ responseType })) as BadRequestError;
    expect(error).toBeInstanceOf(BadRequestError);
    expect(error.message).toContain('input is too long');
    expect(error).toMatchObject({ param: 'input', requestId: 'req_body' });
  });

  it('reads at most a bounded prefix of a huge streamed error body', async () => {
    respond((res) => {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('x'.repeat(4 * 1024 * 1024));
    });
    const error = (await speechError({ responseType: 'stream' })) as Error;
    expect(error).toBeInstanceOf(InternalServerError);
    expect(error.message.length).toBeLessThan(1000);
  });
});

describe('connection failures', () => {
  it('a refused connection → APIConnectionError with the system code', async () => {
    const closed = await FakeTogether.start();
    const baseURL = closed.baseURL;
    await closed.close();
    const offline = new TogetherAudio({ apiKey: API_KEY, baseURL, maxRetries: 0 });
    const error = await (await clientInternals(offline)).voices.fetchVoices().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(APIConnectionError);
    expect(error).toMatchObject({ code: 'ECONNREFUSED' });
    expect(isAxiosError(error)).toBe(false);
    expectSecretAbsent(error, API_KEY);
  });
});

describe('the API key never appears in an error', () => {
  it('401 for a bad key, even when the server echoes the Authorization header back', async () => {
    server.route('POST /audio/speech', async (req, res) => {
      await readBody(req);
      const auth = String(req.headers.authorization);
      sendError(
        res,
        401,
        `Invalid API key provided: ${auth}`,
        { type: 'invalid_api_key', code: 'invalid_api_key' },
        { 'x-request-id': 'req_401', 'x-echo': auth },
      );
    });
    const error = (await speechError()) as AuthenticationError;
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error.message).toContain('Invalid API key provided');
    expect(error.message).toContain('[redacted]');
    expectSecretAbsent(error, API_KEY);
    expect(server.requests[0].headers.authorization).toBe(`Bearer ${API_KEY}`);
  });

  const kinds: Array<[string, () => Promise<unknown>, new (...args: never[]) => Error]> = [
    [
      'APIError',
      async () => {
        respond((res) => sendError(res, 400, 'bad'));
        return speechError();
      },
      BadRequestError,
    ],
    [
      'APITimeoutError',
      async () => {
        server.route('POST /audio/speech', () => undefined);
        return speechError({ timeout: 50 });
      },
      APITimeoutError,
    ],
    [
      'APIUserAbortError',
      async () => {
        server.route('POST /audio/speech', () => undefined);
        return speechError({ signal: AbortSignal.timeout(50) });
      },
      APIUserAbortError,
    ],
    [
      'APIConnectionError',
      async () => {
        server.route('POST /audio/speech', (req) => void req.socket.destroy());
        return speechError();
      },
      APIConnectionError,
    ],
  ];

  it.each(kinds)('%s: message, stack, String, JSON.stringify, util.inspect (depth Infinity, hidden) and cause', async (_kind, provoke, ErrorClass) => {
    const error = await provoke();
    expect(error).toBeInstanceOf(ErrorClass);
    expect(error).not.toBeInstanceOf(AxiosError);
    expect(JSON.parse(JSON.stringify(error))).toMatchObject({ name: (error as Error).name, message: (error as Error).message });
    expectSecretAbsent(error, API_KEY);
  });
});

describe('responseMeta', () => {
  it('gives the request id and rate-limit numbers of a successful response', async () => {
    respond((res) => {
      res.writeHead(200, {
        'content-type': 'audio/wav',
        'x-request-id': 'req_ok',
        'x-ratelimit-limit': '60',
        'x-ratelimit-remaining': '59',
        'x-ratelimit-reset': '1',
        'x-ratelimit-limit-tokens': 'not a number',
        'x-tokenlimit-remaining': '900',
      });
      res.end('RIFF');
    });
    const response = await (await clientInternals(client)).audio.audioSpeech({ audioSpeechRequest: request });
    expect(responseMeta(response)).toEqual({
      requestId: 'req_ok',
      rateLimit: { limit: 60, remaining: 59, reset: 1 },
      tokenLimit: { remaining: 900 },
    });
  });

  it('is empty for a response without those headers', () => {
    expect(responseMeta({ headers: {} })).toEqual({ requestId: undefined, rateLimit: {}, tokenLimit: {} });
  });
});

describe('options are checked before any I/O', () => {
  it.each([
    [{ maxRetries: -1 }, /maxRetries/],
    [{ maxRetries: 1.5 }, /maxRetries/],
    [{ timeout: 0 }, /timeout/],
    [{ maxRetryDelay: -5 }, /maxRetryDelay/],
  ])('client %j', (options, message) => {
    expect(() => new TogetherAudio({ apiKey: API_KEY, baseURL: server.baseURL, ...options })).toThrow(message);
  });

  it('per request', async () => {
    await expect(client.speech.create(request, { maxRetries: -1 })).rejects.toThrow(/maxRetries/);
    await expect(client.speech.create(request, { timeout: Number.NaN })).rejects.toThrow(/timeout/);
    expect(server.requests).toHaveLength(0);
  });
});

describe('each failure is exactly its own class, by constructor and name', () => {
  async function refused(): Promise<unknown> {
    const closed = await FakeTogether.start();
    const baseURL = closed.baseURL;
    await closed.close();
    const offline = new TogetherAudio({ apiKey: API_KEY, baseURL, maxRetries: 0 });
    return (await clientInternals(offline)).voices.fetchVoices().catch((e: unknown) => e);
  }

  it('a refused connection is an APIConnectionError, not an APITimeoutError', async () => {
    const error = (await refused()) as APIConnectionError;
    expect(error.constructor).toBe(APIConnectionError);
    expect(error).not.toBeInstanceOf(APITimeoutError);
    expect(error.name).toBe('APIConnectionError');
    expect(error.code).toBe('ECONNREFUSED');
    expect(error.message).toMatch(/^Connection error: .*ECONNREFUSED/);
  });

  it('a connection reset before the response is an APIConnectionError, not an APITimeoutError', async () => {
    server.route('POST /audio/speech', (req) => void req.socket.destroy());
    const error = (await speechError()) as APIConnectionError;
    expect(error.constructor).toBe(APIConnectionError);
    expect(error.name).toBe('APIConnectionError');
    expect(error.code).toBe('ECONNRESET');
  });

  it('silence past the timeout is an APITimeoutError naming the timeout', async () => {
    server.route('POST /audio/speech', () => undefined);
    const error = (await speechError({ timeout: 50 })) as APITimeoutError;
    expect(error.constructor).toBe(APITimeoutError);
    expect(error.name).toBe('APITimeoutError');
    expect(error.message).toBe('The request timed out after 50 ms without a response.');
    expect(error.code).toBe('ECONNABORTED');
  });

  it('an abort is an APIUserAbortError whose cause is the signal reason', async () => {
    server.route('POST /audio/speech', () => undefined);
    const controller = new AbortController();
    const reason = new Error('caller gave up');
    setTimeout(() => controller.abort(reason), 30);
    const error = (await speechError({ signal: controller.signal })) as APIUserAbortError;
    expect(error.constructor).toBe(APIUserAbortError);
    expect(error.name).toBe('APIUserAbortError');
    expect(error.cause).toBe(reason);
  });

  it('audio_too_long as the error type, not the code, is an AudioTooLongError', async () => {
    respond((res) => sendError(res, 400, 'too long', { type: 'audio_too_long', code: null }));
    const error = (await speechError()) as APIError;
    expect(error.constructor).toBe(AudioTooLongError);
    expect(error.name).toBe('AudioTooLongError');
  });
});

describe('serialized forms', () => {
  it('an APIError serializes its fields, without headers or cause', async () => {
    respond((res) =>
      sendError(res, 429, 'slow down', { type: 'rate_limit', code: 'too_many', param: null }, { 'x-request-id': 'req_json', 'x-ratelimit-remaining': '0' }),
    );
    const error = (await speechError()) as RateLimitError;
    expect(JSON.parse(JSON.stringify(error))).toEqual({
      name: 'RateLimitError',
      message: '429 Rate limited: slow down (request id req_json)',
      status: 429,
      requestId: 'req_json',
      error: { message: 'slow down', type: 'rate_limit', code: 'too_many', param: null },
      type: 'rate_limit',
      code: 'too_many',
      param: null,
      attempts: 1,
      rateLimit: { remaining: 0 },
      tokenLimit: {},
    });
  });

  it('a connection error serializes its name, message and code, and keeps its cause out of JSON', async () => {
    server.route('POST /audio/speech', (req) => void req.socket.destroy());
    const error = (await speechError()) as APIConnectionError;
    expect(JSON.parse(JSON.stringify(error))).toEqual({ name: 'APIConnectionError', message: error.message, code: 'ECONNRESET' });
  });

  it('a connection error built with a cause keeps it; one built without has none', () => {
    const cause = new Error('socket hang up');
    const withCause = new APIConnectionError('broke', { cause, code: 'ECONNRESET' });
    expect(withCause.cause).toBe(cause);
    expect(withCause.code).toBe('ECONNRESET');
    expect(withCause.toJSON()).toEqual({ name: 'APIConnectionError', message: 'broke', code: 'ECONNRESET' });
    const without = new APIConnectionError('broke');
    expect('cause' in without).toBe(false);
    expect(without.code).toBeUndefined();
    expect(without.toJSON()).toEqual({ name: 'APIConnectionError', message: 'broke' });
  });

  it('a body that breaks off mid-way is an APIConnectionError whose cause is the socket failure', async () => {
    respond((res) => {
      res.writeHead(200, { 'content-type': 'audio/wav', 'content-length': '100000' });
      res.write(Buffer.alloc(1000));
      setTimeout(() => res.socket?.destroy(), 20);
    });
    const response = await (await clientInternals(client)).audio.audioSpeech({ audioSpeechRequest: request }, { responseType: 'stream' });
    const reader = (response.data as unknown as ReadableStream<Uint8Array>).getReader();
    const error = await (async () => {
      for (;;) await reader.read();
    })().catch((e: unknown) => e);
    expect((error as Error).constructor).toBe(APIConnectionError);
    expect((error as APIConnectionError).code).toBe('ECONNRESET');
    expect(types.isNativeError((error as Error).cause)).toBe(true);
    expect(JSON.parse(JSON.stringify(error))).not.toHaveProperty('cause');
  });
});

describe('error bodies of other shapes', () => {
  it('JSON that holds no message at all is quoted as an unexpected body', async () => {
    respond((res) => {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: 'failed', reason_code: 42 }));
    });
    const error = (await speechError()) as BadRequestError;
    expect(error.constructor).toBe(BadRequestError);
    expect(error.message).toBe('400 status 400 with an unexpected body: {"status":"failed","reason_code":42}');
    expect(error.error).toBeUndefined();
  });

  it('a whitespace-only text body is an empty body', async () => {
    respond((res) => {
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end('  \n ');
    });
    const error = (await speechError()) as Error;
    expect(error.message).toBe('502 Server error: status 502 with an empty body');
  });

  it('an error body is read up to 64 KiB and the connection then closed, not the whole body', async () => {
    const total = 32 * 1024 * 1024;
    const block = Buffer.alloc(64 * 1024, 'x');
    let ended!: (outcome: 'finished' | 'closed early') => void;
    const outcome = new Promise<'finished' | 'closed early'>((resolve) => (ended = resolve));
    respond((res) => {
      res.writeHead(500, { 'content-type': 'text/plain', 'content-length': String(total) });
      let sent = 0;
      res.on('close', () => ended(res.writableFinished ? 'finished' : 'closed early'));
      const pump = () => {
        while (sent < total && !res.destroyed) {
          sent += block.length;
          if (!res.write(block)) return void res.once('drain', pump);
        }
        if (sent >= total) res.end();
      };
      pump();
    });
    const error = (await speechError({ responseType: 'stream' })) as Error;
    expect(error.constructor).toBe(InternalServerError);
    expect(await outcome).toBe('closed early');
  });
});

describe('error bodies, read as the mapping reads them', () => {
  it('the key is hidden in text and in parsed JSON, but a key under 8 characters is never searched for', () => {
    const redact = redactor('sk-12345678');
    expect(redact('Invalid key sk-12345678 given (sk-12345678)')).toBe('Invalid key [redacted] given ([redacted])');
    expect(parseErrorBody(new TextEncoder().encode('{"error":{"message":"bad key sk-12345678"}}'), redact)).toEqual({
      error: { message: 'bad key [redacted]' },
    });
    expect(parseErrorBody({ echoed: ['sk-12345678'] }, redact)).toEqual({ echoed: ['[redacted]'] });
    expect(redactor('abc')('abc is too short to be a key')).toBe('abc is too short to be a key');
  });

  it('bytes that are not JSON are text; nothing is undefined', () => {
    expect(parseErrorBody(new TextEncoder().encode('Bad Gateway'))).toBe('Bad Gateway');
    expect(parseErrorBody(new TextEncoder().encode('[1,2]').buffer)).toEqual([1, 2]);
    expect(parseErrorBody(undefined)).toBeUndefined();
    expect(parseErrorBody(null)).toBeUndefined();
  });

  it.each<[string, unknown, unknown]>([
    ['an ErrorData object', { error: { message: 'm', type: 't', code: 'c' } }, { message: 'm', type: 't', code: 'c' }],
    ['an error string', { error: 'plain' }, { message: 'plain', type: 'unknown' }],
    ['a top-level message', { message: 'top' }, { message: 'top', type: 'unknown' }],
    ['an error object without a message, beside a message', { error: { code: 5 }, message: 'outer' }, { message: 'outer', type: 'unknown' }],
    ['a null error, beside a message', { error: null, message: 'outer' }, { message: 'outer', type: 'unknown' }],
    ['a problem title', { title: 'Forbidden' }, { message: 'Forbidden', type: 'unknown' }],
    ['a problem detail with a type', { detail: 'no backend', type: 'urn:gw' }, { message: 'no backend', type: 'urn:gw' }],
    ['a problem with an empty title', { title: '', detail: 'only detail' }, { message: 'only detail', type: 'unknown' }],
    ['a title and a non-string type', { title: 'T', type: 7 }, { message: 'T', type: 'unknown' }],
    ['nothing recognisable', { status: 'failed' }, undefined],
    ['an array', ['a'], undefined],
    ['text', 'oops', undefined],
    ['null', null, undefined],
  ])('errorDetailOf: %s', (_label, body, detail) => {
    expect(errorDetailOf(body)).toEqual(detail);
  });

  it('a long text body is quoted up to 200 characters, scripts and styles left out', () => {
    const error = apiErrorFor(500, {}, `<script>var secret = 1;</script><style>p{}</style><p>${'a'.repeat(300)}</p>`);
    expect(error.message).toBe(`500 Server error: status 500 with a non-JSON body: ${'a'.repeat(200)}…`);
  });

  it('a body that is only markup is an empty body', () => {
    expect(apiErrorFor(404, {}, '<html><body></body></html>').message).toBe('404 status 404 with an empty body');
  });

  it('a long unexpected JSON body is quoted up to 200 characters', () => {
    const body = { list: 'b'.repeat(300) };
    expect(apiErrorFor(400, {}, body).message).toBe(`400 status 400 with an unexpected body: ${JSON.stringify(body).slice(0, 200)}`);
  });

  it('the retry count shows in the message once there was more than one attempt', () => {
    expect(apiErrorFor(500, {}, { error: { message: 'down' } }, 3).message).toBe('500 Server error (gave up after 3 attempts): down');
    expect(apiErrorFor(429, {}, { error: { message: 'slow' } }, 2).message).toBe('429 Rate limited (gave up after 2 attempts): slow');
    expect(apiErrorFor(503, {}, { error: { message: 'full' } }, 1).message).toBe(
      '503 Service unavailable: the platform was at capacity; try again later: full',
    );
  });
});

describe('a successful status with the wrong body', () => {
  it('names the operation without the API version, the problem and the body', async () => {
    respond((res) => {
      res.writeHead(200, { 'content-type': 'text/html', 'x-request-id': 'req_html' });
      res.end('<html><body><h1>Maintenance</h1></body></html>');
    });
    const error = (await client.speech.create(request).catch((e: unknown) => e)) as UnexpectedResponseError;
    expect(error.constructor).toBe(UnexpectedResponseError);
    expect(error.name).toBe('UnexpectedResponseError');
    expect(error.operation).toBe('POST /audio/speech');
    expect(error.contentType).toBe('text/html');
    expect(error.message).toBe('200 POST /audio/speech: expected audio but got text/html: Maintenance (request id req_html)');
  });

  it('quotes the server message when the wrong body is an error object', async () => {
    respond((res) => sendJson(res, 200, { error: { message: 'model is warming up', type: 'server_error' } }));
    const error = (await client.speech.create(request).catch((e: unknown) => e)) as UnexpectedResponseError;
    expect(error.constructor).toBe(UnexpectedResponseError);
    expect(error.message).toBe('200 POST /audio/speech: expected audio but got application/json: model is warming up');
    expect(error.error).toMatchObject({ message: 'model is warming up' });
  });
});

describe('error mapping at its edges', () => {
  it.each([
    ['42', '500 Server error: status 500 with an unexpected body: 42'],
    ['false', '500 Server error: status 500 with an unexpected body: false'],
  ])('a JSON body that is a bare %s is quoted, not called empty', async (body, message) => {
    respond((res) => {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(body);
    });
    const error = (await speechError()) as InternalServerError;
    expect(error.constructor).toBe(InternalServerError);
    expect(error.message).toBe(message);
  });

  it('a JSON null body is an empty body', async () => {
    respond((res) => {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end('null');
    });
    expect(((await speechError()) as Error).message).toBe('500 Server error: status 500 with an empty body');
  });

  it('a 300 without a Location is an APIError with status 300, not a broken-off body', async () => {
    respond((res) => sendError(res, 300, 'pick one'));
    const error = (await speechError()) as APIError;
    expect(error.constructor).toBe(APIError);
    expect(error.status).toBe(300);
    expect(error.message).toBe('300 pick one');
  });

  it('an axios timeout reported as ETIMEDOUT (transitional.clarifyTimeoutError) is an APITimeoutError too', async () => {
    server.route('POST /audio/speech', () => undefined);
    const error = (await speechError({ timeout: 50, transitional: { clarifyTimeoutError: true } })) as APITimeoutError;
    expect(error.constructor).toBe(APITimeoutError);
    expect(error.code).toBe('ETIMEDOUT');
    expect(error.message).toBe('The request timed out after 50 ms without a response.');
  });

  it.each([
    ['naming the timeout in any case', 'Speech Request Timeout'],
    ['not naming it at all', 'Speech took too long'],
  ])('a timeout message of the caller’s own (timeoutErrorMessage) %s is still a timeout', async (_, timeoutErrorMessage) => {
    server.route('POST /audio/speech', () => undefined);
    const error = (await speechError({ timeout: 50, timeoutErrorMessage })) as APITimeoutError;
    expect(error.constructor).toBe(APITimeoutError);
    expect(error.code).toBe('ECONNABORTED');
  });

  it('a reset before the response names the system code after a message that lacks it', async () => {
    server.route('POST /audio/speech', (req) => void req.socket.destroy());
    const error = (await speechError()) as APIConnectionError;
    expect(error.message).toBe('Connection error: socket hang up (ECONNRESET)');
  });

  it('no body at all is an empty body', () => {
    expect(apiErrorFor(500, {}, undefined).message).toBe('500 Server error: status 500 with an empty body');
  });

  it('a refused connection whose message already names the code does not repeat it', async () => {
    const closed = await FakeTogether.start();
    const { baseURL, port } = closed;
    await closed.close();
    const offline = new TogetherAudio({ apiKey: API_KEY, baseURL, maxRetries: 0 });
    const error = (await (await clientInternals(offline)).voices.fetchVoices().catch((e: unknown) => e)) as APIConnectionError;
    expect(error.message).toBe(`Connection error: connect ECONNREFUSED 127.0.0.1:${port}`);
  });

  it('the base class has its own name, in toJSON too', () => {
    const error = new TogetherAudioError('refused');
    expect(error.name).toBe('TogetherAudioError');
    expect(error.toJSON()).toEqual({ name: 'TogetherAudioError', message: 'refused' });
  });

  it('toJSON leaves out fields that have no value', () => {
    expect(Object.keys(new APIConnectionError('broke').toJSON())).toEqual(['name', 'message']);
    const error = apiErrorFor(500, {}, 'down');
    expect(Object.keys(error.toJSON()).sort()).toEqual(['attempts', 'message', 'name', 'rateLimit', 'status', 'tokenLimit']);
  });

  it('an APIError built directly counts one attempt and quotes its fallback message', () => {
    const error = new NotFoundError({ status: 404, headers: { 'x-request-id': 'req_direct' }, fallbackMessage: 'gone' });
    expect(error.attempts).toBe(1);
    expect(error.message).toBe('404 gone (request id req_direct)');
  });
});

describe('a successful status with the wrong body, after retries and with the key echoed', () => {
  it('counts the attempts that led to it', async () => {
    let attempts = 0;
    server.route('POST /audio/speech', async (req, res) => {
      await readBody(req);
      attempts++;
      if (attempts === 1) return sendError(res, 500, 'warming up');
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<p>Maintenance</p>');
    });
    const retrying = new TogetherAudio({ apiKey: API_KEY, baseURL: server.baseURL, maxRetries: 1, initialRetryDelay: 1 });
    const error = (await retrying.speech.create(request).catch((e: unknown) => e)) as UnexpectedResponseError;
    expect(error.constructor).toBe(UnexpectedResponseError);
    expect(attempts).toBe(2);
    expect(error.attempts).toBe(2);
  });

  it('hides the key in the quoted body and in the headers', async () => {
    server.route('POST /audio/speech', async (req, res) => {
      await readBody(req);
      const auth = String(req.headers.authorization);
      res.writeHead(200, { 'content-type': 'text/html', 'x-echo': auth });
      res.end(`<p>Maintenance for ${auth}</p>`);
    });
    const error = (await client.speech.create(request).catch((e: unknown) => e)) as UnexpectedResponseError;
    expect(error.constructor).toBe(UnexpectedResponseError);
    expect(error.message).toBe('200 POST /audio/speech: expected audio but got text/html: Maintenance for Bearer [redacted]');
    expect(error.headers['x-echo']).toBe('Bearer [redacted]');
    expectSecretAbsent(error, API_KEY);
  });
});

describe('error mapping of what is not an HTTP failure', () => {
  it('anything that is not an axios error passes through as it is', () => {
    const own = new BadRequestError({ status: 400, headers: {}, fallbackMessage: 'x' });
    const plain = new Error('boom');
    for (const value of [undefined, null, 'boom', 42, { isAxiosError: 'yes' }, plain, own]) expect(toTogetherError(value)).toBe(value);
  });

  it('a request cancelled by an axios CancelToken is an APIUserAbortError without a cause', async () => {
    server.route('POST /audio/speech', () => undefined);
    const source = axios.CancelToken.source();
    setTimeout(() => source.cancel('no longer needed'), 30);
    const error = (await speechError({ cancelToken: source.token })) as APIUserAbortError;
    expect(error.constructor).toBe(APIUserAbortError);
    expect(error.message).toBe('The request was aborted by its AbortSignal.');
    expect('cause' in error).toBe(false);
  });

  it('a key of 8 characters is redacted; one of 7 is too short to search for', () => {
    expect(redactor('k2345678')('echo k2345678')).toBe('echo [redacted]');
    expect(redactor('k234567')('echo k234567')).toBe('echo k234567');
  });
});

describe('how a body that is not ErrorData is quoted', () => {
  it('an HTML page becomes its text, one space between the pieces', () => {
    const page =
      '<!DOCTYPE html>\n<html>\n  <head><title>502 Bad Gateway</title>\n  <script>track();</script></head>\n  <body>\n    <h1>Bad   Gateway</h1><p>Try<script>retry();</script>again\n later.</p>\n  </body>\n</html>';
    expect(apiErrorFor(502, {}, page).message).toBe('502 Server error: status 502 with a non-JSON body: 502 Bad Gateway Bad Gateway Try again later.');
  });

  it('text of exactly 200 characters is quoted whole; 201 are cut to 200 and marked', () => {
    expect(apiErrorFor(404, {}, 'a'.repeat(200)).message).toBe(`404 status 404 with a non-JSON body: ${'a'.repeat(200)}`);
    expect(apiErrorFor(404, {}, 'a'.repeat(201)).message).toBe(`404 status 404 with a non-JSON body: ${'a'.repeat(200)}…`);
  });

  it('a JSON success body of null is refused without quoting anything', async () => {
    server.route('GET /voices', (_req, res) => sendJson(res, 200, null));
    const error = (await client.voices.list().catch((e: unknown) => e)) as UnexpectedResponseError;
    expect(error.constructor).toBe(UnexpectedResponseError);
    expect(error.message).toBe('200 GET /voices: the body is JSON but not an object (application/json)');
  });
});
