import { TogetherAudio, MissingApiKeyError, RealtimeTTS } from '../src';
import { resolveBaseURL } from '../src/config';
import { FakeTogether, sendJson } from './support/fake-together';
import { clientInternals } from '../src/client';
import { BASE_PATH } from '../generated/base';

const savedEnv = { ...process.env };
afterEach(() => {
  process.env = { ...savedEnv };
});

describe('host and token resolution', () => {
  it('defaults to the spec server', () => {
    delete process.env.TOGETHER_BASE_URL;
    expect(resolveBaseURL()).toBe(BASE_PATH);
    expect(resolveBaseURL()).toBe('https://api.together.ai/v1');
    expect(new TogetherAudio({ apiKey: 'k' }).baseURL).toBe('https://api.together.ai/v1');
  });

  it('prefers the option, then TOGETHER_BASE_URL', () => {
    process.env.TOGETHER_BASE_URL = 'http://127.0.0.1:9/env/';
    expect(new TogetherAudio({ apiKey: 'k' }).baseURL).toBe('http://127.0.0.1:9/env');
    expect(new TogetherAudio({ apiKey: 'k', baseURL: 'http://127.0.0.1:9/opt' }).baseURL).toBe('http://127.0.0.1:9/opt');
  });

  it('drops every trailing slash of the base URL, so that paths join with one', () => {
    expect(new TogetherAudio({ apiKey: 'k', baseURL: 'http://127.0.0.1:9/v1///' }).baseURL).toBe('http://127.0.0.1:9/v1');
  });

  it.each(['api.together.ai', 'ftp://api.together.ai/v1', 'wss://api.together.ai/v1', 'file:///v1'])(
    'refuses the base URL %s, which is not an absolute http(s) URL, at construction',
    (baseURL) => {
      expect(() => new TogetherAudio({ apiKey: 'k', baseURL })).toThrow(
        new TypeError(`Invalid baseURL ${JSON.stringify(baseURL)}: expected an absolute http(s) URL.`),
      );
    },
  );

  it('ignores an empty or blank TOGETHER_BASE_URL', () => {
    for (const blank of ['', '   ']) {
      process.env.TOGETHER_BASE_URL = blank;
      expect(new TogetherAudio({ apiKey: 'k' }).baseURL).toBe('https://api.together.ai/v1');
    }
  });

  it('lets realtime sessions take a ws(s) base URL, and names both kinds when refusing one', async () => {
    expect(resolveBaseURL({ baseURL: 'wss://api.together.ai/v1/' }, { websocket: true })).toBe('wss://api.together.ai/v1');
    expect(resolveBaseURL({ baseURL: 'ws://127.0.0.1:9/v1' }, { websocket: true })).toBe('ws://127.0.0.1:9/v1');
    expect(resolveBaseURL({ baseURL: 'https://api.together.ai/v1' }, { websocket: true })).toBe('https://api.together.ai/v1');
    await expect(RealtimeTTS.connect({ apiKey: 'k', baseURL: 'ftp://api.together.ai/v1' })).rejects.toThrow(
      new TypeError('Invalid baseURL "ftp://api.together.ai/v1": expected an absolute http(s) or ws(s) URL.'),
    );
  });

  it('names TOGETHER_API_KEY when no key is given, before any network I/O', async () => {
    const server = await FakeTogether.start();
    try {
      delete process.env.TOGETHER_API_KEY;
      expect(() => new TogetherAudio({ baseURL: server.baseURL })).toThrow(MissingApiKeyError);
      expect(() => new TogetherAudio({ baseURL: server.baseURL, apiKey: '  ' })).toThrow(/TOGETHER_API_KEY/);
      process.env.TOGETHER_API_KEY = '';
      let error: Error | undefined;
      try {
        new TogetherAudio({ baseURL: server.baseURL });
      } catch (caught) {
        error = caught as Error;
      }
      expect([error?.constructor, error?.name, error?.message]).toEqual([
        MissingApiKeyError,
        'MissingApiKeyError',
        'No API key: pass { apiKey } to the client or set the TOGETHER_API_KEY environment variable.',
      ]);
      expect(server.requests).toHaveLength(0);
    } finally {
      await server.close();
    }
  });

  it('reads the key and host from the environment and sends them', async () => {
    const server = await FakeTogether.start();
    try {
      server.route('GET /voices', (_req, res) => sendJson(res, 200, { data: [] }));
      process.env.TOGETHER_API_KEY = 'env-key';
      process.env.TOGETHER_BASE_URL = server.baseURL;
      const client = new TogetherAudio();
      await (await clientInternals(client)).voices.fetchVoices();
      expect(server.requests[0].headers.authorization).toBe('Bearer env-key');
    } finally {
      await server.close();
    }
  });

  it('keeps the key out of the client and its configuration when printed', async () => {
    const client = new TogetherAudio({ apiKey: 'sk-secret-value' });
    const printed = require('node:util').inspect(client, { depth: 10 }) + JSON.stringify((await clientInternals(client)).configuration);
    expect(printed).not.toContain('sk-secret-value');
  });
});
