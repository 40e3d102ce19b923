import { TogetherAudio } from '../src';
import { FakeTogether, sendJson } from './support/fake-together';

const API_KEY = 'test-key-options-0123';
let server: FakeTogether;

beforeAll(async () => {
  server = await FakeTogether.start();
});
afterEach(() => server.reset());
afterAll(() => server.close());

const listVoices = () => server.route('GET /voices', (_req, res) => sendJson(res, 200, { data: [] }));

describe('client options', () => {
  it('sends defaultHeaders with every request; a per-call header of the same name wins', async () => {
    listVoices();
    const client = new TogetherAudio({ apiKey: API_KEY, baseURL: server.baseURL, defaultHeaders: { 'X-Team': 'audio', 'X-Trace': 'default' } });
    await client.voices.list();
    await client.voices.list({ headers: { 'X-Trace': 'per-call' } });
    expect(server.requests.map((request) => [request.headers['x-team'], request.headers['x-trace']])).toEqual([
      ['audio', 'default'],
      ['audio', 'per-call'],
    ]);
  });

  it('keeps its own Authorization header whatever defaultHeaders say', async () => {
    listVoices();
    const client = new TogetherAudio({ apiKey: API_KEY, baseURL: server.baseURL, defaultHeaders: { Authorization: 'Bearer someone-else' } });
    await client.voices.list();
    expect(server.requests[0].headers.authorization).toBe(`Bearer ${API_KEY}`);
  });
});

describe('numeric client options', () => {
  it.each<[Record<string, unknown>, string]>([
    [{ timeout: 0 }, 'Invalid timeout 0: expected an integer >= 1.'],
    [{ timeout: Number.NaN }, 'Invalid timeout NaN: expected an integer >= 1.'],
    [{ maxRetries: Number.POSITIVE_INFINITY }, 'Invalid maxRetries Infinity: expected an integer >= 0.'],
    [{ maxRetries: -1 }, 'Invalid maxRetries -1: expected an integer >= 0.'],
    [{ initialRetryDelay: -1 }, 'Invalid initialRetryDelay -1: expected an integer >= 0.'],
    [{ initialRetryDelay: 0.5 }, 'Invalid initialRetryDelay 0.5: expected an integer >= 0.'],
    [{ maxRetryDelay: '100' }, 'Invalid maxRetryDelay "100": expected an integer >= 0.'],
  ])('refuse %j at construction, naming the option and what it takes', (options, message) => {
    expect(() => new TogetherAudio({ apiKey: API_KEY, baseURL: server.baseURL, ...options })).toThrow(new TypeError(message));
  });

  it('take their lowest values: a 1 ms timeout, no retries, no waits', async () => {
    server.route('GET /voices', (_req, res) => sendJson(res, 503, { error: { message: 'busy' } }));
    const client = new TogetherAudio({ apiKey: API_KEY, baseURL: server.baseURL, timeout: 1, maxRetries: 0, initialRetryDelay: 0, maxRetryDelay: 0 });
    await expect(client.voices.list({ timeout: 5000 })).rejects.toMatchObject({ status: 503 });
    expect(server.requests).toHaveLength(1);
    const retrying = new TogetherAudio({ apiKey: API_KEY, baseURL: server.baseURL, maxRetries: 2, initialRetryDelay: 0, maxRetryDelay: 0 });
    await expect(retrying.voices.list()).rejects.toMatchObject({ status: 503 });
    expect(server.requests).toHaveLength(4);
  });
});
