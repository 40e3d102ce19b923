import { TogetherAudio, type ResponseMeta } from '../src';
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
    await expect(client.voices.fetchVoices({ onTogetherResponse: onResponse })).rejects.toThrow('nope');
    expect(metas).toEqual([]);
    await expect(client.speech.create(request, { onResponse: 'yes' as never })).rejects.toThrow(/onResponse/);
    expect(server.requests).toHaveLength(1);
  });
});
