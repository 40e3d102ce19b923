import { createReadStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AudioApi } from '../src/api';
import {
  BadRequestError,
  RateLimitError,
  TogetherAudio,
  type AudioSpeechRequest,
  type AudioTranscriptionVerboseJsonResponse,
  type ListVoicesResponse,
} from '../src';
import { FakeTogether, parseMultipart, readBody, readJson, sendError, sendJson, sha256 } from './support/fake-together';
import { clientInternals } from '../src/client';

const API_KEY = 'test-key-0123456789';
// Bytes that are not valid UTF-8, so any text decoding on the way would change them.
const AUDIO = Buffer.from([0x52, 0x49, 0x46, 0x46, 0xff, 0xfe, 0x80, 0x81, 0xc3, 0x28, 0x00, 0xa0, 0xa1, 0xf0, 0x28, 0x8c, 0xbc]);

let server: FakeTogether;
let client: TogetherAudio;

beforeAll(async () => {
  server = await FakeTogether.start();
  client = new TogetherAudio({ apiKey: API_KEY, baseURL: server.baseURL });
});
afterEach(() => server.reset());
afterAll(() => server.close());

describe('POST /audio/speech', () => {
  const request: AudioSpeechRequest = { model: 'cartesia/sonic', input: 'Hello', voice: 'friendly sidekick' };

  it('sends the snake_case JSON body with bearer auth and returns the exact bytes', async () => {
    let seen: { headers: Record<string, unknown>; body: unknown } | undefined;
    server.route('POST /audio/speech', async (req, res) => {
      seen = { headers: req.headers, body: await readJson(req) };
      res.writeHead(200, { 'content-type': 'audio/wav' });
      res.end(AUDIO);
    });

    const response = await (await clientInternals(client)).audio.audioSpeech({
      audioSpeechRequest: { ...request, response_format: 'wav', sample_rate: 24000, response_encoding: 'pcm_s16le' },
    });

    expect(Buffer.isBuffer(response.data)).toBe(true);
    expect(Buffer.compare(response.data, AUDIO)).toBe(0);
    expect(seen?.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(seen?.headers['content-type']).toMatch(/^application\/json/);
    expect(seen?.headers.accept).toBe('audio/wav');
    expect(seen?.body).toEqual({
      model: 'cartesia/sonic',
      input: 'Hello',
      voice: 'friendly sidekick',
      response_format: 'wav',
      sample_rate: 24000,
      response_encoding: 'pcm_s16le',
    });
    expect(server.requests.map((r) => `${r.method} ${r.url.pathname}`)).toEqual(['POST /v1/audio/speech']);
  });

  it.each([
    [{ response_format: 'mp3' as const }, 'audio/mpeg'],
    [{ response_format: 'raw' as const }, 'application/octet-stream'],
    [{}, 'audio/wav'],
    [{ response_format: 'raw' as const, stream: true }, 'text/event-stream'],
  ])('sends an Accept header matching %j', async (extra, accept) => {
    server.route('POST /audio/speech', (req, res) => {
      res.writeHead(200, { 'content-type': String(req.headers.accept) });
      res.end(AUDIO);
    });
    const response = await (await clientInternals(client)).audio.audioSpeech({ audioSpeechRequest: { ...request, ...extra } });
    expect(server.requests[0].headers.accept).toBe(accept);
    expect(response.headers['content-type']).toBe(accept);
  });

  it('accepts any model name as well as the known ones', async () => {
    server.route('POST /audio/speech', async (req, res) => {
      const body = (await readJson(req)) as { model: string };
      res.writeHead(200, { 'content-type': 'audio/wav' });
      res.end(body.model);
    });
    const response = await (await clientInternals(client)).audio.audioSpeech({ audioSpeechRequest: { ...request, model: 'someone/new-tts-model' } });
    expect(response.data.toString()).toBe('someone/new-tts-model');
  });

  it('maps a 400 ErrorData body to BadRequestError', async () => {
    server.route('POST /audio/speech', (_req, res) =>
      sendError(res, 400, 'voice not found', { param: 'voice', code: 'invalid_voice' }, { 'x-request-id': 'req_400' }),
    );
    const error = await (await clientInternals(client)).audio.audioSpeech({ audioSpeechRequest: request }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BadRequestError);
    expect(error).toMatchObject({ status: 400, param: 'voice', code: 'invalid_voice', type: 'invalid_request_error', requestId: 'req_400' });
    expect((error as Error).message).toContain('voice not found');
    expect((error as Error).message).toContain('req_400');
  });
});

describe('POST /audio/transcriptions and /audio/translations', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'together-audio-uploads-'));
  const filePath = path.join(dir, 'clip.wav');
  writeFileSync(filePath, AUDIO);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const uploads: Array<[string, () => Blob | Buffer | NodeJS.ReadableStream, string]> = [
    ['a Buffer', () => AUDIO, 'audio'],
    ['a Blob', () => new Blob([AUDIO], { type: 'audio/wav' }), 'audio'],
    ['a File', () => new File([AUDIO], 'named.wav', { type: 'audio/wav' }), 'named.wav'],
    ['a file stream', () => createReadStream(filePath), 'clip.wav'],
  ];

  it.each(uploads)('uploads %s as the file part with its exact bytes', async (_label, makeFile, filename) => {
    let parsed: Awaited<ReturnType<typeof parseMultipart>> | undefined;
    let contentType: string | undefined;
    server.route('POST /audio/transcriptions', async (req, res) => {
      contentType = req.headers['content-type'];
      parsed = await parseMultipart(req);
      sendJson(res, 200, { text: 'hello world' });
    });

    const response = await (await clientInternals(client)).audio.audioTranscriptions({ file: makeFile(), model: 'openai/whisper-large-v3', language: 'en' });

    expect(response.data).toEqual({ text: 'hello world' });
    expect(contentType).toMatch(/^multipart\/form-data; boundary=/);
    expect(server.requests[0].headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(server.requests[0].headers.accept).toBe('application/json');
    expect(parsed?.files).toHaveLength(1);
    expect(parsed?.files[0]).toMatchObject({ field: 'file', filename, size: AUDIO.length, sha256: sha256(AUDIO) });
    expect(parsed?.fields).toEqual({ model: ['openai/whisper-large-v3'], language: ['en'] });
  });

  it('sends a URL string as a plain field', async () => {
    let parsed: Awaited<ReturnType<typeof parseMultipart>> | undefined;
    server.route('POST /audio/translations', async (req, res) => {
      parsed = await parseMultipart(req);
      sendJson(res, 200, { text: 'translated' });
    });
    const response = await (await clientInternals(client)).audio.audioTranslations({ file: 'https://example.com/clip.mp3' });
    expect(response.data).toEqual({ text: 'translated' });
    expect(parsed).toEqual({ fields: { file: ['https://example.com/clip.mp3'] }, files: [] });
  });

  it('sends every scalar field and timestamp_granularities as one value or repeated values', async () => {
    const bodies: Array<Awaited<ReturnType<typeof parseMultipart>>> = [];
    const verbose: AudioTranscriptionVerboseJsonResponse = {
      task: 'transcribe',
      language: 'english',
      duration: 1.5,
      text: 'hi there',
      segments: [{ id: 0, start: 0, end: 1.5, text: 'hi there' }],
      words: [
        { word: 'hi', start: 0, end: 0.5, speaker_id: 'SPEAKER_00' },
        { word: 'there', start: 0.6, end: 1.5, speaker_id: 'SPEAKER_01' },
      ],
      speaker_segments: [
        { id: 0, speaker_id: 'SPEAKER_00', start: 0, end: 0.5, text: 'hi', words: [{ word: 'hi', start: 0, end: 0.5, speaker_id: 'SPEAKER_00' }] },
      ],
    };
    server.route('POST /audio/transcriptions', async (req, res) => {
      bodies.push(await parseMultipart(req));
      sendJson(res, 200, verbose);
    });

    const common = {
      file: AUDIO,
      responseFormat: 'verbose_json' as const,
      temperature: 0.2,
      prompt: 'names: Ada',
      diarize: true,
      minSpeakers: 1,
      maxSpeakers: 2,
    };
    const first = await (await clientInternals(client)).audio.audioTranscriptions({ ...common, timestampGranularities: 'word' });
    await (await clientInternals(client)).audio.audioTranscriptions({ ...common, timestampGranularities: ['word', 'segment'] });

    expect(first.data).toEqual(verbose);
    const scalarFields = {
      response_format: ['verbose_json'],
      temperature: ['0.2'],
      prompt: ['names: Ada'],
      diarize: ['true'],
      min_speakers: ['1'],
      max_speakers: ['2'],
    };
    expect(bodies[0].fields).toEqual({ ...scalarFields, timestamp_granularities: ['word'] });
    expect(bodies[1].fields).toEqual({ ...scalarFields, timestamp_granularities: ['word', 'segment'] });
  });

  it('maps a 429 ErrorData body to RateLimitError', async () => {
    server.route('POST /audio/translations', (_req, res) => sendError(res, 429, 'slow down', { type: 'rate_limit' }));
    // Without retries: by default a 429 is retried after a backoff.
    const error = await (await clientInternals(client)).audio.audioTranslations({ file: AUDIO }, { 'axios-retry': { retries: 0 } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitError);
    expect(error).toMatchObject({ status: 429, type: 'rate_limit' });
  });
});

describe('GET /voices', () => {
  it('returns the voices list', async () => {
    const voices: ListVoicesResponse = {
      data: [{ model: 'cartesia/sonic', voices: [{ id: 'v1', name: 'friendly sidekick' }] }],
    };
    server.route('GET /voices', (_req, res) => sendJson(res, 200, voices));
    const response = await (await clientInternals(client)).voices.fetchVoices();
    expect(response.data).toEqual(voices);
    expect(server.requests[0]).toMatchObject({ method: 'GET' });
    expect(server.requests[0].headers).toMatchObject({ authorization: `Bearer ${API_KEY}`, accept: 'application/json' });
  });
});

describe('generated classes used directly', () => {
  it('work with the configuration and axios instance of a client', async () => {
    server.route('POST /audio/speech', async (req, res) => {
      await readBody(req);
      res.writeHead(200, { 'content-type': 'audio/mpeg' });
      res.end(AUDIO);
    });
    const api = new AudioApi((await clientInternals(client)).configuration, client.baseURL, (await clientInternals(client)).axios);
    const response = await api.audioSpeech({ audioSpeechRequest: { model: 'hexgrad/Kokoro-82M', input: 'x', voice: 'af_alloy', response_format: 'mp3' } });
    expect(Buffer.compare(response.data, AUDIO)).toBe(0);
  });
});
