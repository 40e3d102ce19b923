import { webPlatform } from '../src/platform';
import { TogetherAudio as WebTogetherAudio, TogetherAudioError, UnexpectedResponseError } from '../src/web';
import { asBrowserPage } from './support/browser-page';
import { FakeTogether, sendJson } from './support/fake-together';

const API_KEY = 'web-entry-test-key';
let server: FakeTogether;

beforeAll(async () => {
  server = await FakeTogether.start();
});
afterEach(() => server.reset());
afterAll(() => server.close());

describe('browser pages', () => {
  it('refuse to construct the client without dangerouslyAllowBrowser, saying the key would be visible', () => {
    const error = asBrowserPage(() => {
      try {
        return new WebTogetherAudio({ apiKey: API_KEY });
      } catch (caught) {
        return caught;
      }
    });
    expect(error).toBeInstanceOf(TogetherAudioError);
    expect((error as Error).message).toMatch(/API key would be visible to anyone who can open the page/);
    expect((error as Error).message).toMatch(/\{ dangerouslyAllowBrowser: true \}/);
    expect((error as Error).message).not.toContain(API_KEY);
  });

  it.each(['document', 'navigator'] as const)('are told apart from a global window without a %s, where the client is constructed as anywhere', (lacking) => {
    expect(asBrowserPage(() => new WebTogetherAudio({ apiKey: API_KEY }), lacking)).toBeInstanceOf(WebTogetherAudio);
  });

  it('are told apart from a global window that is null, as server-side renderers leave it', () => {
    expect(asBrowserPage(() => new WebTogetherAudio({ apiKey: API_KEY }), 'window')).toBeInstanceOf(WebTogetherAudio);
  });

  it('construct it with dangerouslyAllowBrowser: true', () => {
    expect(asBrowserPage(() => new WebTogetherAudio({ apiKey: API_KEY, dangerouslyAllowBrowser: true }))).toBeInstanceOf(WebTogetherAudio);
  });
});

describe('the runtime-neutral client', () => {
  const client = () => new WebTogetherAudio({ apiKey: API_KEY, baseURL: server.baseURL });

  it('has no file system: a path upload is a TypeError before any I/O', async () => {
    const error = await client()
      .transcriptions.create({ file: '/tmp/recording.wav' })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toMatch(/file path in this runtime \(no file system\)/);
    expect(server.requests).toHaveLength(0);
  });

  it('gives speech as a Uint8Array and streamed speech as Uint8Array chunks', async () => {
    server.route('POST /audio/speech', (_req, res) => {
      res.writeHead(200, { 'content-type': 'audio/wav' });
      res.end(Buffer.from([1, 2, 3]));
    });
    const bytes = await client().speech.create({ model: 'm', input: 'hi', voice: 'v' });
    expect(bytes).toBeInstanceOf(Uint8Array);
    expect([...bytes]).toEqual([1, 2, 3]);
  });

  it('lists voices', async () => {
    server.route('GET /voices', (_req, res) => sendJson(res, 200, { data: [] }));
    expect(await client().voices.list()).toEqual({ data: [] });
  });
});

describe('a streamed upload body on fetch', () => {
  function recordedSource() {
    const pulled: number[] = [];
    let closed = false;
    async function* source() {
      try {
        for (let n = 1; n <= 3; n++) {
          pulled.push(n);
          yield new Uint8Array([n]);
        }
      } finally {
        closed = true;
      }
    }
    return { source: source(), pulled, closed: () => closed };
  }

  it('reads its source only as fetch pulls, with nothing read ahead', async () => {
    const { source, pulled } = recordedSource();
    const body = (await webPlatform.streamBody(source)) as ReadableStream<Uint8Array>;
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(pulled).toEqual([]);
    const reader = body.getReader();
    expect(await reader.read()).toEqual({ done: false, value: new Uint8Array([1]) });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(pulled).toEqual([1]);
  });

  it('closes its source when fetch abandons the upload (cancels the body)', async () => {
    const { source, closed } = recordedSource();
    const reader = ((await webPlatform.streamBody(source)) as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    await reader.cancel();
    expect(closed()).toBe(true);
  });
});

describe('Deno', () => {
  /** Runs `body` in a scope like Deno 1's: no `process`, and a `Deno.env` whose `get` is `get`. */
  function asDeno<T>(get: (name: string) => string | undefined, body: () => T): T {
    const scope = globalThis as Record<string, unknown>;
    const saved = scope.process;
    scope.process = undefined;
    scope.Deno = { env: { get } };
    try {
      return body();
    } finally {
      scope.process = saved;
      delete scope.Deno;
    }
  }

  it('the key and the base URL come from Deno.env', async () => {
    const env: Record<string, string> = { TOGETHER_API_KEY: 'key-from-deno-env', TOGETHER_BASE_URL: server.baseURL };
    const client = asDeno(
      (name) => env[name],
      () => new WebTogetherAudio(),
    );
    server.route('GET /voices', (_req, res) => sendJson(res, 200, { data: [] }));
    await client.voices.list();
    expect(server.requests[0].headers.authorization).toBe('Bearer key-from-deno-env');
  });

  it('without --allow-env (Deno.env.get throws), no key is the usual error naming TOGETHER_API_KEY', () => {
    const denied = () => {
      throw new Error('NotCapable: Requires env access');
    };
    expect(() => asDeno(denied, () => new WebTogetherAudio())).toThrow(/TOGETHER_API_KEY/);
  });
});

describe('the runtime-neutral client where axios has its http adapter (Node, Bun, Deno)', () => {
  it('asks only for bodies it can decode, and reads a JSON answer from a server that compresses what it may', async () => {
    const voices = { object: 'list', data: [{ model: 'cartesia/sonic', voices: [{ id: 'v1', name: 'tara' }] }] };
    server.route('GET /voices', (req, res) => {
      const accepted = String(req.headers['accept-encoding'] ?? '');
      if (/gzip/.test(accepted)) {
        res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
        res.end(require('node:zlib').gzipSync(JSON.stringify(voices)));
        return;
      }
      sendJson(res, 200, voices);
    });
    const client = new WebTogetherAudio({ apiKey: API_KEY, baseURL: server.baseURL });
    await expect(client.voices.list()).resolves.toEqual(voices);
  });

  it('refuses by name a body compressed although identity was asked for, which it cannot decode', async () => {
    server.route('GET /voices', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      res.end(require('node:zlib').gzipSync('{"data":[]}'));
    });
    const client = new WebTogetherAudio({ apiKey: API_KEY, baseURL: server.baseURL, maxRetries: 0 });
    const error = (await client.voices.list().catch((e: unknown) => e)) as Error;
    expect(error.constructor).toBe(UnexpectedResponseError);
    expect(error.message).toBe('200 GET /voices: the body has Content-Encoding "gzip", which this client does not decode');
    expect(server.requests[0].headers['accept-encoding']).toBe('identity');
  });
});
