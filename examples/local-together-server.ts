/**
 * A local, offline stand-in for the whole Together audio API on 127.0.0.1: the HTTP endpoints
 * (speech, transcriptions, translations, voices) on the test suite's FakeTogether, plus the
 * realtime websockets of `local-realtime-server.ts` on the same port, so one base URL serves
 * everything. It speaks the wire format of openapi.yaml but synthesizes and recognizes nothing:
 * speech is a tone, and a "transcript" describes the audio it was sent. `npm run demo` and the CLI
 * tests run against it; tests may replace any route (`server.fake.route(...)`).
 *
 * Its key is LOCAL_API_KEY; any other key gets a 401, as Together would answer.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pcmFormatForSpeech, pcmToWav, type PcmFormat } from '../src/wav';
import { FakeTogether, parseMultipart, readJson, sendError, sendJson, writeSpeechEvents } from '../test/support/fake-together';
import { parseWav } from '../test/support/wav-reader';
import { attachRealtime, LOCAL_API_KEY, tone } from './local-realtime-server';

export { LOCAL_API_KEY };

export interface LocalTogetherServer {
  baseURL: string;
  apiKey: string;
  /** The HTTP side: recorded requests, replaceable routes. */
  fake: FakeTogether;
  close(): Promise<void>;
}

export const LOCAL_VOICES = {
  data: [
    { model: 'hexgrad/Kokoro-82M', voices: ['af_heart', 'af_alloy', 'am_adam'].map((name) => ({ id: `kokoro-${name}`, name })) },
    { model: 'canopylabs/orpheus-3b-0.1-ft', voices: ['tara', 'leo'].map((name) => ({ id: `orpheus-${name}`, name })) },
    { model: 'cartesia/sonic', voices: ['friendly sidekick', 'calm lady'].map((name) => ({ id: `sonic-${name.replace(' ', '-')}`, name })) },
  ],
};

interface SpeechRequest {
  model?: unknown;
  input?: unknown;
  voice?: unknown;
  response_format?: string;
  response_encoding?: PcmFormat['encoding'];
  sample_rate?: number;
  stream?: boolean;
}

export async function startLocalTogetherServer(): Promise<LocalTogetherServer> {
  const fake = await FakeTogether.start();
  const closeRealtime = attachRealtime(fake.httpServer);
  const authorized = (handler: (req: IncomingMessage, res: ServerResponse) => Promise<void> | void) => (req: IncomingMessage, res: ServerResponse) => {
    if (req.headers.authorization !== `Bearer ${LOCAL_API_KEY}`) {
      req.resume();
      return sendError(res, 401, 'Invalid API key provided. You can find your API key at https://api.together.ai/settings/api-keys.', { code: 'invalid_api_key' });
    }
    return handler(req, res);
  };
  fake.route('GET /voices', authorized((_req, res) => sendJson(res, 200, LOCAL_VOICES, { 'x-request-id': 'local-voices' })));
  fake.route('POST /audio/speech', authorized(speech));
  fake.route('POST /audio/transcriptions', authorized((req, res) => audioToText(req, res, 'transcribe')));
  fake.route('POST /audio/translations', authorized((req, res) => audioToText(req, res, 'translate')));
  return {
    baseURL: fake.baseURL,
    apiKey: LOCAL_API_KEY,
    fake,
    async close() {
      await closeRealtime();
      await fake.close();
    },
  };
}

/**
 * The exact body the local server answers a speech request with: a tone, 0.05 s per character
 * (at most 3 s), in the PCM format the real API uses for that model, wrapped as asked.
 */
export function localSpeech(request: Pick<SpeechRequest, 'model' | 'input' | 'voice' | 'response_format' | 'response_encoding' | 'sample_rate'>): { format: PcmFormat; pcm: Buffer; body: Buffer; contentType: string } {
  const format = pcmFormatForSpeech({ model: String(request.model), response_encoding: request.response_encoding, sample_rate: request.sample_rate });
  const seconds = Math.min(3, 0.05 * String(request.input).length);
  const s16 = tone(330 + (String(request.voice).length % 7) * 40, seconds, format.sampleRate);
  let pcm = s16;
  if (format.encoding === 'pcm_f32le') {
    pcm = Buffer.alloc(s16.length * 2);
    for (let i = 0; i < s16.length / 2; i += 1) pcm.writeFloatLE(s16.readInt16LE(i * 2) / 32768, i * 4);
  }
  switch (request.response_format ?? 'wav') {
    case 'raw':
      return { format, pcm, body: pcm, contentType: 'application/octet-stream' };
    case 'mp3':
      // Not a real encoder: an ID3 tag and deterministic filler, enough to check bytes pass through untouched.
      return { format, pcm, body: Buffer.concat([Buffer.from('ID3\x04\x00\x00\x00\x00\x00\x00', 'latin1'), pcm.subarray(0, pcm.length / 8)]), contentType: 'audio/mpeg' };
    default:
      return { format, pcm, body: Buffer.from(pcmToWav(pcm, format)), contentType: 'audio/wav' };
  }
}

async function speech(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const request = (await readJson(req)) as SpeechRequest;
  for (const field of ['model', 'input', 'voice'] as const) {
    if (typeof request[field] !== 'string' || (request[field] as string).trim() === '') {
      return sendError(res, 400, `${field} is required`, { param: field });
    }
  }
  const { pcm, body, contentType, format } = localSpeech(request);
  const bytesPerFifth = Math.round(format.sampleRate / 5) * (format.encoding === 'pcm_f32le' ? 4 : 2);
  if (request.stream) {
    if ((request.response_format ?? 'raw') !== 'raw') return sendError(res, 400, 'Streaming supports only the raw format', { param: 'response_format' });
    const chunks: Buffer[] = [];
    for (let offset = 0; offset < pcm.length; offset += bytesPerFifth) chunks.push(pcm.subarray(offset, offset + bytesPerFifth));
    res.setHeader('x-request-id', 'local-speech-stream');
    return writeSpeechEvents(res, chunks, String(request.model));
  }
  res.writeHead(200, { 'content-type': contentType, 'content-length': body.length, 'x-request-id': 'local-speech' });
  // In pieces, as a real server streams a body, so clients see it arrive over time.
  for (let offset = 0; offset < body.length; offset += bytesPerFifth) res.write(body.subarray(offset, offset + bytesPerFifth));
  res.end();
}

async function audioToText(req: IncomingMessage, res: ServerResponse, task: 'transcribe' | 'translate'): Promise<void> {
  const { fields, files } = await parseMultipart(req);
  const file = files.find((part) => part.field === 'file');
  const url = fields.file?.[0];
  if (!file && !url) return sendError(res, 400, 'file is required', { param: 'file' });
  const name = file?.filename ?? url ?? 'audio';
  const seconds = file ? durationOf(file.data, file.size) : 1;
  const sentences = [
    'This is the local stand-in for Together.',
    `It heard ${seconds.toFixed(2)} seconds of audio in ${name}.`,
  ];
  const text = sentences.join(' ');
  const format = fields.response_format?.[0] ?? 'json';
  const requestId = { 'x-request-id': `local-${task}` };
  if (format === 'json') return sendJson(res, 200, { text }, requestId);
  if (format !== 'verbose_json') return sendError(res, 400, `Unsupported response_format ${format}`, { param: 'response_format' });

  const granularities = fields.timestamp_granularities ?? ['segment'];
  const diarize = fields.diarize?.[0] === 'true';
  const tokens = sentences.map((sentence) => sentence.split(' '));
  const step = seconds / tokens.flat().length;
  let index = 0;
  const segments = tokens.map((sentenceWords, id) => {
    const speaker_id = `SPEAKER_0${id % 2}`;
    const words = sentenceWords.map((word) => {
      const start = round(index * step);
      index += 1;
      return { word, start, end: round(index * step), ...(diarize ? { speaker_id } : {}) };
    });
    return { id, start: words[0].start, end: words.at(-1)!.end, text: ` ${sentences[id]}`, speaker_id, words };
  });
  sendJson(res, 200, {
    task,
    language: fields.language?.[0] ?? 'en',
    duration: seconds,
    text,
    segments: segments.map(({ id, start, end, text: segmentText }) => ({ id, start, end, text: segmentText })),
    ...(granularities.includes('word') ? { words: segments.flatMap((segment) => segment.words) } : {}),
    ...(diarize && task === 'transcribe' ? { speaker_segments: segments } : {}),
  }, requestId);
}

/** Seconds of audio in an uploaded file: from its WAV header, else as PCM s16le 16 kHz mono. */
function durationOf(data: Buffer | undefined, size: number): number {
  if (data && data.toString('latin1', 0, 4) === 'RIFF') {
    const wav = parseWav(data);
    return round(Math.min(wav.dataSize, data.length - wav.dataOffset) / wav.byteRate);
  }
  return round(size / 32000);
}

function round(seconds: number): number {
  return Math.round(seconds * 1000) / 1000;
}

// Run directly: `node local-together-server.js` prints its base URL and serves until Ctrl-C.
if (/local-together-server\.[cm]?[jt]s$/.test(process.argv[1] ?? '')) {
  void startLocalTogetherServer().then((local) => {
    console.log(`Local Together stand-in at ${local.baseURL} (key: ${LOCAL_API_KEY}); Ctrl-C to stop.`);
  });
}
