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
