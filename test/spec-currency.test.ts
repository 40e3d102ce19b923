import { TogetherAudio, type AudioTranscriptionVerboseJsonResponse } from '../src';
import { FakeTogether, parseMultipart, readJson, sendJson } from './support/fake-together';

/** The contract as it moved after Together's spec snapshot (see openapi.overlay.yaml). */

let server: FakeTogether;
let together: TogetherAudio;

beforeAll(async () => {
  server = await FakeTogether.start();
  together = new TogetherAudio({ apiKey: 'currency-key-0123456789', baseURL: server.baseURL });
});
afterEach(() => server.reset());
afterAll(() => server.close());

test('speech takes any locale as language and extra_params.pronunciation_dict, sent as given', async () => {
  let body: unknown;
  server.route('POST /audio/speech', async (req, res) => {
    body = await readJson(req);
    res.writeHead(200, { 'content-type': 'audio/wav' });
    res.end(Buffer.from('RIFF'));
  });
  const request = {
    model: 'cartesia/sonic',
    input: '你好',
    voice: 'friendly sidekick',
    language: 'zh-hk',
    extra_params: { pronunciation_dict: ['omg/oh my god'] },
  };
  await together.speech.create(request);
  expect(body).toEqual(request);
});

test('a verbose transcription without task (no longer sent) is a complete result', async () => {
  const result = { language: 'english', duration: 1.5, text: 'Hi there', segments: [{ id: 0, start: 0, end: 1.5, text: 'Hi there' }] };
  server.route('POST /audio/transcriptions', async (req, res) => {
    await parseMultipart(req);
    sendJson(res, 200, result);
  });
  const transcript: AudioTranscriptionVerboseJsonResponse = await together.transcriptions.create({
    file: Buffer.from('RIFF'),
    response_format: 'verbose_json',
  });
  expect(transcript).toEqual(result);
  expect(transcript.task).toBeUndefined();
});
