import { isAxiosError } from 'axios';
import { BadRequestError, Configuration, TogetherAudio, type ErrorData } from '../src';
import { AudioApi, VoicesApi } from '../src/api';
import { FakeTogether, readJson, sendError, sendJson } from './support/fake-together';

/** The generated classes on their own, as a user who imports nothing from the facade uses them. */

const API_KEY = 'standalone-key-0123456789';
const AUDIO = Buffer.from([0x49, 0x44, 0x33, 0xff, 0xfb, 0x90, 0x00, 0xc3, 0x28, 0xa0, 0xa1]);

let server: FakeTogether;
let audio: AudioApi;

beforeAll(async () => {
  server = await FakeTogether.start();
  audio = new AudioApi(new Configuration({ accessToken: API_KEY, basePath: server.baseURL }));
});
afterEach(() => server.reset());
afterAll(() => server.close());

test('speech: the Accept header follows response_format and the bytes come back exact', async () => {
  let seen: { accept?: string; authorization?: string; body?: unknown } = {};
  server.route('POST /audio/speech', async (req, res) => {
    seen = { accept: req.headers.accept, authorization: req.headers.authorization, body: await readJson(req) };
    res.writeHead(200, { 'content-type': 'audio/mpeg' });
    res.end(AUDIO);
  });
  const request = { model: 'cartesia/sonic', input: 'Hi', voice: 'friendly sidekick', response_format: 'mp3' } as const;
  const { data } = await audio.audioSpeech({ audioSpeechRequest: request });
  expect(Buffer.from(data).equals(AUDIO)).toBe(true);
  expect(seen).toEqual({ accept: 'audio/mpeg', authorization: `Bearer ${API_KEY}`, body: request });
});

test('speech: a 400 carries the decoded ErrorData, not undecoded bytes', async () => {
  server.route('POST /audio/speech', (_req, res) => sendError(res, 400, 'voice "nobody" does not exist', { param: 'voice' }));
  const error = await audio.audioSpeech({ audioSpeechRequest: { model: 'cartesia/sonic', input: 'Hi', voice: 'nobody' } }).catch((caught: unknown) => caught);
  expect(isAxiosError(error)).toBe(true);
  const body = (error as { response: { status: number; data: ErrorData } }).response;
  expect(body.status).toBe(400);
  expect(body.data).toEqual({ error: { message: 'voice "nobody" does not exist', type: 'invalid_request_error', param: 'voice', code: null } });
});

test('voices: fetchVoices returns the parsed list', async () => {
  const list = { data: [{ model: 'cartesia/sonic', voices: [{ id: 'v1', name: 'friendly sidekick' }] }] };
  server.route('GET /voices', (_req, res) => sendJson(res, 200, list));
  const { data } = await new VoicesApi(new Configuration({ accessToken: API_KEY, basePath: server.baseURL })).fetchVoices();
  expect(data).toEqual(list);
});

test('together.api(Class) binds a generated class to the client: key, host, retries and typed errors', async () => {
  let calls = 0;
  server.route('GET /voices', (req, res) => {
    calls++;
    if (req.headers.authorization !== `Bearer ${API_KEY}`) return sendError(res, 401, 'wrong key');
    if (calls === 1) return sendError(res, 503, 'busy', {}, { 'retry-after': '0' });
    if (calls === 3) return sendError(res, 400, 'no voices today');
    sendJson(res, 200, { data: [] });
  });
  const together = new TogetherAudio({ apiKey: API_KEY, baseURL: server.baseURL });
  const voices = together.api(VoicesApi);
  expect((await voices.fetchVoices()).data).toEqual({ data: [] });
  expect(calls).toBe(2);
  const error = await voices.fetchVoices().catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(BadRequestError);
  expect((error as BadRequestError).message).toContain('no voices today');
});
