import { randomBytes } from 'node:crypto';
import { createReadStream, mkdirSync, mkdtempSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import {
  APIConnectionError,
  APITimeoutError,
  BadRequestError,
  TogetherAudio,
  TogetherAudioError,
  UploadFileError,
  UploadSourceError,
  type AudioTranscriptionJsonResponse,
  type AudioTranscriptionResponse,
  type AudioTranscriptionVerboseJsonResponse,
  type AudioTranslationJsonResponse,
  type AudioTranslationVerboseJsonResponse,
  type Uploadable,
} from '../src';
import { bytesSource } from '../src/uploads';
import { FakeTogether, parseMultipart, readBody, sendError, sendJson, sha256, type ParsedMultipart } from './support/fake-together';

/** Compile-time equality: `expectType<Exact<A, B>>(true)` fails `tsc` unless A and B are the same type. */
type Exact<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function expectType<T extends true>(_proof: T): void {}

// Not valid UTF-8, so any text decoding on the way would change the bytes.
const AUDIO = Buffer.concat([Buffer.from([0x52, 0x49, 0x46, 0x46, 0xff, 0xfe, 0x80, 0xc3, 0x28]), randomBytes(300_000)]);
const VERBOSE: AudioTranscriptionVerboseJsonResponse = {
  task: 'transcribe',
  language: 'en',
  duration: 1.5,
  text: 'hello world',
  segments: [{ id: 0, start: 0, end: 1.5, text: 'hello world' }],
  words: [
    { word: 'hello', start: 0, end: 0.7 },
    { word: 'world', start: 0.8, end: 1.5 },
  ],
};

let server: FakeTogether;
let client: TogetherAudio;
let dir: string;
let audioPath: string;

beforeAll(async () => {
  server = await FakeTogether.start();
  client = new TogetherAudio({ apiKey: 'test-key-uploads', baseURL: server.baseURL });
  dir = mkdtempSync(path.join(tmpdir(), 'together-uploads-'));
  audioPath = path.join(dir, 'meeting recording.wav');
  writeFileSync(audioPath, AUDIO);
});
afterEach(() => server.reset());
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

async function* chunksOf(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let offset = 0; offset < bytes.length; offset += size) yield bytes.subarray(offset, offset + size);
}

/** Routes an endpoint to record its parsed multipart body and answer with `reply`. */
function recordUploads(endpoint: 'transcriptions' | 'translations', reply: unknown = { text: 'ok' }): () => ParsedMultipart {
  let parsed: ParsedMultipart | undefined;
  server.route(`POST /audio/${endpoint}`, async (req, res: ServerResponse) => {
    parsed = await parseMultipart(req);
    sendJson(res, 200, reply);
  });
  return () => {
    if (!parsed) throw new Error(`no upload reached /audio/${endpoint}`);
    return parsed;
  };
}

describe('every kind of file input arrives with its exact bytes and name', () => {
  const viewSource = Buffer.concat([Buffer.from('prefix-'), AUDIO, Buffer.from('-suffix')]);
  const cases: Array<[string, () => Uploadable, string, Buffer]> = [
    ['a path string', () => audioPath, 'meeting recording.wav', AUDIO],
    ['a file: URL object', () => pathToFileURL(audioPath), 'meeting recording.wav', AUDIO],
    ['a Buffer', () => AUDIO, 'audio', AUDIO],
    ['a Uint8Array view into a larger buffer', () => new Uint8Array(viewSource.buffer, viewSource.byteOffset + 7, AUDIO.length), 'audio', AUDIO],
    ['a Blob', () => new Blob([AUDIO], { type: 'audio/wav' }), 'audio', AUDIO],
    ['a File', () => new File([AUDIO], 'clip.mp3', { type: 'audio/mpeg' }), 'clip.mp3', AUDIO],
    ['a file read stream', () => createReadStream(audioPath), 'meeting recording.wav', AUDIO],
    ['an anonymous Readable', () => Readable.from([AUDIO.subarray(0, 1000), AUDIO.subarray(1000)]), 'audio', AUDIO],
    ['an ArrayBuffer', () => AUDIO.buffer.slice(AUDIO.byteOffset, AUDIO.byteOffset + AUDIO.length), 'audio', AUDIO],
    ['a web ReadableStream', () => new Blob([AUDIO]).stream(), 'audio', AUDIO],
    ['an async iterable of bytes', () => chunksOf(AUDIO, 4096), 'audio', AUDIO],
  ];

  it.each(cases)('transcriptions: %s', async (_label, input, filename, bytes) => {
    const upload = recordUploads('transcriptions');

    await client.transcriptions.create({ file: input(), model: 'openai/whisper-large-v3' });

    const { files, fields } = upload();
    expect(files).toHaveLength(1);
    expect(files[0]).toMatchObject({ field: 'file', filename, size: bytes.length, sha256: sha256(bytes) });
    expect(fields).toEqual({ model: ['openai/whisper-large-v3'] });
  });

  it.each(cases)('translations: %s', async (_label, input, filename, bytes) => {
    const upload = recordUploads('translations');

    await client.translations.create({ file: input() });

    expect(upload().files).toEqual([expect.objectContaining({ field: 'file', filename, size: bytes.length, sha256: sha256(bytes) })]);
  });

  it('sends the File type as the part content type', async () => {
    const upload = recordUploads('transcriptions');

    await client.transcriptions.create({ file: new File([AUDIO], 'clip.mp3', { type: 'audio/mpeg' }) });

    expect(upload().files[0].contentType).toBe('audio/mpeg');
  });

  it('sends a file given by path as application/octet-stream, named by its base name', async () => {
    const upload = recordUploads('transcriptions');

    await client.transcriptions.create({ file: audioPath });

    expect(upload().files[0]).toMatchObject({ contentType: 'application/octet-stream', filename: 'meeting recording.wav' });
  });

  it.each([
    ['an https URL string', 'https://example.com/audio/clip.mp3', 'https://example.com/audio/clip.mp3'],
    ['an http URL string', 'HTTP://example.com/a.wav', 'HTTP://example.com/a.wav'],
    ['an https URL object', new URL('https://example.com/a b.wav'), 'https://example.com/a%20b.wav'],
    ['an http URL object', new URL('http://example.com/clips/a.wav?v=1'), 'http://example.com/clips/a.wav?v=1'],
  ])('sends %s as a plain field for the server to fetch', async (_label, input, sent) => {
    const upload = recordUploads('transcriptions');

    await client.transcriptions.create({ file: input });

    expect(upload()).toEqual({ fields: { file: [sent] }, files: [] });
  });
});

describe('what a stream of an upload may yield', () => {
  /** AUDIO cut into chunks of every kind a stream may yield: each a view of only its own bytes, some empty. */
  function mixedChunks(): unknown[] {
    const padded = Buffer.concat([Buffer.alloc(8, 0xee), AUDIO, Buffer.alloc(8, 0xee)]);
    const view = <T>(View: new (buffer: ArrayBufferLike, offset: number, length: number) => T, from: number, to: number, size = 1) =>
      new View(padded.buffer, padded.byteOffset + 8 + from, (to - from) / size);
    return [
      'Grüße, ',
      new Uint8Array(0),
      AUDIO.buffer.slice(AUDIO.byteOffset, AUDIO.byteOffset + 1000),
      view(DataView, 1000, 2000),
      '',
      view(Int16Array, 2000, 3000, 2),
      view(Float64Array, 3000, 4000, 8),
      view(Uint8ClampedArray, 4000, 5000),
      AUDIO.subarray(5000),
    ];
  }

  it.each<[string, () => Uploadable]>([
    [
      'an async iterable',
      () =>
        (async function* () {
          yield* mixedChunks();
        })() as AsyncIterable<Uint8Array>,
    ],
    [
      'a ReadableStream',
      () =>
        new ReadableStream<unknown>({
          start(controller) {
            for (const chunk of mixedChunks()) controller.enqueue(chunk);
            controller.close();
          },
        }) as ReadableStream<Uint8Array>,
    ],
  ])('%s may yield text (sent as UTF-8), ArrayBuffers and any view of bytes: exactly those bytes arrive', async (_kind, input) => {
    const upload = recordUploads('transcriptions');

    await client.transcriptions.create({ file: input() });

    const sent = Buffer.concat([Buffer.from('Grüße, '), AUDIO]);
    expect(upload().files).toEqual([expect.objectContaining({ size: sent.length, sha256: sha256(sent) })]);
  });

  it.each<[string, unknown, string]>([
    ['a number', 42, '42'],
    ['null', null, 'null'],
    ['an object', { bytes: [1, 2] }, 'an instance of Object'],
  ])('a chunk that is %s fails the upload with an UploadSourceError saying what the stream yielded', async (_label, chunk, described) => {
    server.route('POST /audio/transcriptions', async (req, res) => {
      await parseMultipart(req).catch(() => undefined);
      sendJson(res, 200, { text: 'ok' });
    });
    async function* yieldingNonBytes(): AsyncGenerator<unknown> {
      yield AUDIO.subarray(0, 1000);
      yield chunk;
    }

    const error = await client.transcriptions.create({ file: yieldingNonBytes() as AsyncIterable<Uint8Array> }).catch((e: unknown) => e);

    expect((error as Error).constructor).toBe(UploadSourceError);
    expect((error as Error).message).toBe(
      `Reading the upload source, an async iterable given as "file", failed: Expected bytes (a Uint8Array) or text in the stream; got ${described}.`,
    );
    expect((error as Error).cause).toBeInstanceOf(TypeError);
  });
});

describe('the multipart body', () => {
  /** Routes transcriptions to record each request's headers and raw body, and answer `{ text: 'ok' }`. */
  function recordRaw(): Array<{ headers: IncomingHttpHeaders; body: Buffer }> {
    const seen: Array<{ headers: IncomingHttpHeaders; body: Buffer }> = [];
    server.route('POST /audio/transcriptions', async (req, res) => {
      seen.push({ headers: req.headers, body: await readBody(req) });
      sendJson(res, 200, { text: 'ok' });
    });
    return seen;
  }

  it('each upload has its own random boundary, the one its content type names', async () => {
    const seen = recordRaw();

    for (let i = 0; i < 4; i++) await client.transcriptions.create({ file: AUDIO });

    const boundaries = seen.map(({ headers, body }) => {
      const [, boundary] = /^multipart\/form-data; boundary=(together-audio-[0-9a-f]{24})$/.exec(String(headers['content-type'])) ?? [];
      expect(body.subarray(0, boundary.length + 4).toString()).toBe(`--${boundary}\r\n`);
      expect(body.subarray(-boundary.length - 8).toString()).toBe(`\r\n--${boundary}--\r\n`);
      return boundary;
    });
    expect(new Set(boundaries).size).toBe(4);
  });

  it.each<[string, () => Uploadable]>([
    ['bytes, sent as one piece', () => AUDIO],
    ['a file, streamed from disk', () => path.join(dir, 'Grüße "über" alles.wav')],
  ])('the length it declares is exactly the bytes sent, text fields and names in UTF-8 included: %s', async (_label, input) => {
    writeFileSync(path.join(dir, 'Grüße "über" alles.wav'), AUDIO);
    const seen = recordRaw();

    await client.transcriptions.create({ file: input(), prompt: 'Réunion à Zürich – 会议', language: 'de' }, { timeout: 5000 });

    const [{ headers, body }] = seen;
    expect(headers['transfer-encoding']).toBeUndefined();
    expect(Number(headers['content-length'])).toBe(body.length);
    expect(body.includes(AUDIO)).toBe(true);
    expect(body.includes(Buffer.from('Réunion à Zürich – 会议'))).toBe(true);
  });

  it('a stream of unknown length is sent chunked, with no length declared', async () => {
    const seen = recordRaw();

    await client.transcriptions.create({ file: chunksOf(AUDIO, 65536) });

    expect(seen[0].headers['content-length']).toBeUndefined();
    expect(seen[0].headers['transfer-encoding']).toBe('chunked');
    expect(seen[0].body.includes(AUDIO)).toBe(true);
  });

  it('a number or boolean a JavaScript caller gives for a text field is sent as its text', async () => {
    const upload = recordUploads('transcriptions');

    await client.transcriptions.create({ file: AUDIO, language: 7 as never, prompt: false as never });

    expect(upload().fields).toEqual({ language: ['7'], prompt: ['false'] });
  });

  it.each<[string, unknown, string]>([
    ['null', null, 'null'],
    ['an object', { text: 'hi' }, 'an instance of Object'],
    ['a function', () => 'hi', 'a function'],
  ])('a text field given as %s is a TypeError naming the field, and nothing is sent', async (_label, value, described) => {
    await expect(client.transcriptions.create({ file: AUDIO, prompt: value as never })).rejects.toThrow(
      new TypeError(`The multipart field "prompt" must be text, bytes, a Blob/File or a stream; got ${described}.`),
    );
    expect(server.requests).toHaveLength(0);
  });
});

describe('request fields', () => {
  it('sends every transcription field under its wire name', async () => {
    const upload = recordUploads('transcriptions', VERBOSE);

    await client.transcriptions.create({
      file: AUDIO,
      model: 'openai/whisper-large-v3',
      language: 'fr',
      prompt: 'Réunion',
      response_format: 'verbose_json',
      temperature: 0.2,
      timestamp_granularities: ['segment', 'word'],
      diarize: true,
      min_speakers: 2,
      max_speakers: 4,
    });

    expect(upload().fields).toEqual({
      model: ['openai/whisper-large-v3'],
      language: ['fr'],
      prompt: ['Réunion'],
      response_format: ['verbose_json'],
      temperature: ['0.2'],
      timestamp_granularities: ['segment', 'word'],
      diarize: ['true'],
      min_speakers: ['2'],
      max_speakers: ['4'],
    });
  });

  it('sends every translation field under its wire name', async () => {
    const upload = recordUploads('translations');

    await client.translations.create({ file: AUDIO, language: 'en', prompt: 'p', response_format: 'json', temperature: 0, timestamp_granularities: 'word' });

    expect(upload().fields).toEqual({ language: ['en'], prompt: ['p'], response_format: ['json'], temperature: ['0'], timestamp_granularities: ['word'] });
  });
});

describe('bad input fails before any network I/O', () => {
  it('names a path that does not exist', async () => {
    const missing = path.join(dir, 'no-such-file.wav');

    const error = await client.transcriptions.create({ file: missing }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(UploadFileError);
    expect(error).toMatchObject({ name: 'UploadFileError', path: missing, source: `file ${JSON.stringify(missing)}` });
    expect((error as Error).message).toContain(missing);
    expect((error as Error).message).toMatch(/does not exist/);
    expect(server.requests).toHaveLength(0);
  });

  it('names a path that is a directory, and a missing file: URL', async () => {
    const folder = path.join(dir, 'folder.wav');
    mkdirSync(folder, { recursive: true });

    await expect(client.translations.create({ file: folder })).rejects.toThrow(
      `Audio file ${JSON.stringify(folder)} is not a regular file (it is a directory).`,
    );
    await expect(client.transcriptions.create({ file: pathToFileURL(path.join(dir, 'gone.wav')) })).rejects.toThrow(/gone\.wav.*does not exist/);
    expect(server.requests).toHaveLength(0);
  });

  it('names a path that is neither a file nor a directory, and one that cannot be read, with the reason', async () => {
    await expect(client.transcriptions.create({ file: '/dev/null' })).rejects.toThrow(
      new UploadFileError('Audio file "/dev/null" is not a regular file.', '/dev/null'),
    );
    const underAFile = path.join(audioPath, 'x.wav');
    const error = await client.transcriptions.create({ file: underAFile }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UploadFileError);
    expect((error as Error).message).toBe(`Audio file ${JSON.stringify(underAFile)} cannot be read (ENOTDIR).`);
    expect(((error as Error).cause as NodeJS.ErrnoException).code).toBe('ENOTDIR');
    expect(server.requests).toHaveLength(0);
  });

  it.each<[string, unknown, RegExp]>([
    ['no file', { model: 'openai/whisper-large-v3' }, /needs "file"/],
    ['an empty path', { file: '' }, /empty string/],
    ['a path of only spaces', { file: '  \t' }, /empty string/],
    [
      'a locked ReadableStream',
      {
        file: (() => {
          const stream = new Blob([AUDIO]).stream();
          stream.getReader();
          return stream;
        })(),
      },
      /ReadableStream that is locked/,
    ],
    ['a number as file', { file: 42 }, /Cannot upload 42:/],
    ['a plain object as file', { file: { path: 'x.wav' } }, /Cannot upload an instance of Object:/],
    ['an ftp URL', { file: new URL('ftp://example.com/a.wav') }, /ftp: URL/],
    ['a destroyed stream', { file: Readable.from([AUDIO]).destroy() }, /already ended or been destroyed/],
    ['an unknown response_format', { file: AUDIO, response_format: 'srt' }, /response_format "srt"/],
    ['a temperature above 1', { file: AUDIO, temperature: 1.5 }, /temperature 1.5/],
    ['an unknown timestamp granularity', { file: AUDIO, timestamp_granularities: ['word', 'char'] }, /"char"/],
    ['a fractional min_speakers', { file: AUDIO, min_speakers: 1.5 }, /min_speakers 1.5/],
    ['min_speakers above max_speakers', { file: AUDIO, min_speakers: 3, max_speakers: 2 }, /min_speakers \(3\) is greater than max_speakers \(2\)/],
  ])('rejects %s with a TypeError', async (_label, params, message) => {
    const error = await client.transcriptions.create(params as never).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toMatch(message);
    expect(server.requests).toHaveLength(0);
  });
});

describe('the length of an upload', () => {
  it('is sent as Content-Length when every part knows its size (a path, bytes), and the body is chunked otherwise', async () => {
    const received: Array<[string | undefined, string | undefined, number]> = [];
    server.route('POST /audio/transcriptions', async (req, res) => {
      const body = await readBody(req);
      received.push([req.headers['content-length'], req.headers['transfer-encoding'], body.length]);
      sendJson(res, 200, { text: 'ok' });
    });
    await client.transcriptions.create({ file: audioPath });
    await client.transcriptions.create({ file: AUDIO });
    await client.transcriptions.create({ file: Readable.from(chunksOf(AUDIO, 65_536)) });
    const [path, bytes, stream] = received;
    expect(path).toEqual([String(path[2]), undefined, path[2]]);
    expect(bytes).toEqual([String(bytes[2]), undefined, bytes[2]]);
    expect(stream).toEqual([undefined, 'chunked', expect.any(Number)]);
    expect(path[2]).toBeGreaterThan(AUDIO.length);
  });
});

describe('the parameters at their edges', () => {
  it('accepts a temperature of 1 and as few as one speaker, min_speakers equal to max_speakers', async () => {
    const upload = recordUploads('transcriptions');

    await client.transcriptions.create({ file: AUDIO, temperature: 1, diarize: true, min_speakers: 1, max_speakers: 1 });

    expect(upload().fields).toEqual({ temperature: ['1'], diarize: ['true'], min_speakers: ['1'], max_speakers: ['1'] });
  });

  it.each<[string, unknown, string]>([
    ['parameters that are not an object', null, 'The transcription parameters must be an object.'],
    ['a temperature below 0', { file: AUDIO, temperature: -0.1 }, 'Invalid temperature -0.1: expected a number from 0 to 1.'],
    ['a temperature that is not a number', { file: AUDIO, temperature: '0.5' }, 'Invalid temperature "0.5": expected a number from 0 to 1.'],
    ['a temperature that is NaN', { file: AUDIO, temperature: Number.NaN }, 'Invalid temperature NaN: expected a number from 0 to 1.'],
    ['a max_speakers of 0', { file: AUDIO, max_speakers: 0 }, 'Invalid max_speakers 0: expected a positive integer.'],
    ['a max_speakers that is infinite', { file: AUDIO, max_speakers: Number.POSITIVE_INFINITY }, 'Invalid max_speakers Infinity: expected a positive integer.'],
    [
      'a response_format the endpoint does not return',
      { file: AUDIO, response_format: 'text' },
      'Invalid response_format "text": expected one of json, verbose_json.',
    ],
    [
      'a single unknown granularity',
      { file: AUDIO, timestamp_granularities: 'char' },
      'Invalid timestamp_granularities entry "char": expected segment or word.',
    ],
  ])('refuses %s with a TypeError saying what is expected', async (_label, params, message) => {
    const error = await client.transcriptions.create(params as never).catch((e: unknown) => e);

    expect((error as Error).constructor).toBe(TypeError);
    expect((error as Error).message).toBe(message);
    expect(server.requests).toHaveLength(0);
  });

  it('checks translations the same way, naming them', async () => {
    await expect(client.translations.create(null as never)).rejects.toThrow(new TypeError('The translation parameters must be an object.'));
    await expect(client.translations.create({ file: AUDIO, temperature: 2 })).rejects.toThrow(/Invalid temperature 2/);
    await expect(client.translations.create({} as never)).rejects.toThrow(
      new TypeError('The translation needs "file" (an http(s) URL, bytes, a Blob/File or a stream; on Node also a path).'),
    );
    expect(server.requests).toHaveLength(0);
  });
});

describe('results typed by response_format', () => {
  it('verbose_json gives the verbose transcription type, with no cast', async () => {
    recordUploads('transcriptions', VERBOSE);

    const result = await client.transcriptions.create({ file: AUDIO, response_format: 'verbose_json', timestamp_granularities: 'word' });

    expectType<Exact<typeof result, AudioTranscriptionVerboseJsonResponse>>(true);
    expect(result.segments[0].text).toBe('hello world');
    expect(result.words?.map((w) => w.word)).toEqual(['hello', 'world']);
    expect(result).toEqual(VERBOSE);
  });

  it('json or no response_format gives the plain type, which has no segments', async () => {
    recordUploads('transcriptions', { text: 'plain' });

    const omitted = await client.transcriptions.create({ file: AUDIO });
    const json = await client.transcriptions.create({ file: AUDIO, response_format: 'json' });

    expectType<Exact<typeof omitted, AudioTranscriptionJsonResponse>>(true);
    expectType<Exact<typeof json, AudioTranscriptionJsonResponse>>(true);
    // @ts-expect-error a plain JSON result has no segments
    expect(omitted.segments).toBeUndefined();
    expect([omitted.text, json.text]).toEqual(['plain', 'plain']);
  });

  it('a format known only at run time gives the union', async () => {
    recordUploads('transcriptions', { text: 'either' });
    const format = ['json', 'verbose_json'][0] as 'json' | 'verbose_json';

    const result = await client.transcriptions.create({ file: AUDIO, response_format: format });

    expectType<Exact<typeof result, AudioTranscriptionResponse>>(true);
    expect(result.text).toBe('either');
  });

  it('translations are typed the same way', async () => {
    const { segments, words, ...rest } = VERBOSE;
    recordUploads('translations', { ...rest, task: 'translate', segments, words });

    const verbose = await client.translations.create({ file: AUDIO, response_format: 'verbose_json' });
    const plain = await client.translations.create({ file: AUDIO });

    expectType<Exact<typeof verbose, AudioTranslationVerboseJsonResponse>>(true);
    expectType<Exact<typeof plain, AudioTranslationJsonResponse>>(true);
    expect(verbose.task).toBe('translate');
    expect(verbose.duration).toBe(1.5);
    // @ts-expect-error translations take no diarization parameters
    await client.translations.create({ file: AUDIO, diarize: true });
  });
});

describe('what a file part says about itself', () => {
  it.each<[string, () => Uploadable, string]>([
    ['bytes', () => AUDIO, 'application/octet-stream'],
    ['a Blob without a type', () => new Blob([AUDIO]), 'application/octet-stream'],
    ['a Blob with a type', () => new Blob([AUDIO], { type: 'audio/ogg' }), 'audio/ogg'],
    ['a stream', () => Readable.from([AUDIO]), 'application/octet-stream'],
  ])('%s: sent with the content type %s', async (_label, input, contentType) => {
    const upload = recordUploads('transcriptions');

    await client.transcriptions.create({ file: input() });

    expect(upload().files).toEqual([expect.objectContaining({ contentType, size: AUDIO.length })]);
  });

  it('quotes and line breaks in a file name are escaped as browsers escape them: the name cannot end the part header', async () => {
    const upload = recordUploads('transcriptions');

    await client.transcriptions.create({ file: new File([AUDIO], 'take "1"\r\nX-Injected: yes.wav', { type: 'audio/wav' }) });

    expect(upload().files).toEqual([
      expect.objectContaining({ filename: 'take %221%22%0D%0AX-Injected: yes.wav', contentType: 'audio/wav', size: AUDIO.length }),
    ]);
  });

  it('a File without a name is sent as "audio"', async () => {
    const upload = recordUploads('transcriptions');

    await client.transcriptions.create({ file: new File([AUDIO], '', { type: 'audio/wav' }) });

    expect(upload().files).toEqual([expect.objectContaining({ filename: 'audio', contentType: 'audio/wav', size: AUDIO.length })]);
  });

  it('a stream that has already ended is refused before any I/O: it would be sent empty', async () => {
    // Not destroyed at its end (autoDestroy: false), so only its having ended shows that it holds nothing more.
    const ended = new Readable({ autoDestroy: false, read() {} });
    ended.push(AUDIO);
    ended.push(null);
    ended.resume();
    await new Promise((resolve) => ended.once('end', resolve));

    await expect(client.transcriptions.create({ file: ended })).rejects.toThrow(
      new TypeError('Cannot upload a stream that has already ended or been destroyed.'),
    );
    expect(server.requests).toHaveLength(0);
  });

  it.each<[string, () => Uploadable]>([
    [
      'an async iterable',
      () =>
        (async function* failing(): AsyncGenerator<Uint8Array> {
          yield AUDIO.subarray(0, 1000);
          throw new Error('microphone unplugged');
        })(),
    ],
    [
      'a ReadableStream',
      () =>
        new ReadableStream<Uint8Array>({
          start(controller) {
            controller.enqueue(AUDIO.subarray(0, 1000));
            setTimeout(() => controller.error(new Error('microphone unplugged')), 10);
          },
        }),
    ],
  ])('%s that fails is named in the error, with its error as the cause', async (kind, input) => {
    server.route('POST /audio/transcriptions', async (req, res) => {
      await parseMultipart(req).catch(() => undefined);
      sendJson(res, 200, { text: 'ok' });
    });

    const error = await client.transcriptions.create({ file: input() }).catch((e: unknown) => e);

    expect((error as Error).constructor).toBe(UploadSourceError);
    expect(error).toMatchObject({
      name: 'UploadSourceError',
      source: `${kind} given as "file"`,
      message: `Reading the upload source, ${kind} given as "file", failed: microphone unplugged`,
    });
    expect(((error as Error).cause as Error).message).toBe('microphone unplugged');
  });

  it('a file given by path that is gone when a retry reads it again is named in the error by its path', async () => {
    const doomed = path.join(dir, 'removed before the retry.wav');
    writeFileSync(doomed, AUDIO);
    server.route('POST /audio/transcriptions', async (req, res) => {
      await parseMultipart(req).catch(() => undefined);
      rmSync(doomed);
      sendError(res, 503, 'busy');
    });
    const retrying = new TogetherAudio({ apiKey: 'test-key-uploads', baseURL: server.baseURL, maxRetries: 1, initialRetryDelay: 1 });

    const error = await retrying.transcriptions.create({ file: doomed }).catch((e: unknown) => e);

    expect((error as Error).constructor).toBe(UploadSourceError);
    expect(error).toMatchObject({ source: `file ${JSON.stringify(doomed)}` });
    expect((error as Error).message).toMatch(/^Reading the upload source, file ".*", failed: ENOENT/);
  });

  it('a stream that fails with something other than an Error is named in the error, with that value as the message', async () => {
    server.route('POST /audio/transcriptions', async (req, res) => {
      await parseMultipart(req).catch(() => undefined);
      sendJson(res, 200, { text: 'ok' });
    });
    async function* throwingText(): AsyncGenerator<Uint8Array> {
      yield AUDIO.subarray(0, 1000);
      throw 'device lost';
    }

    const error = await client.transcriptions.create({ file: throwingText() }).catch((e: unknown) => e);

    expect((error as Error).constructor).toBe(UploadSourceError);
    expect((error as Error).message).toBe('Reading the upload source, an async iterable given as "file", failed: device lost');
    expect(((error as Error).cause as Error).message).toBe('device lost');
  });

  it('a value that cannot be uploaded gets a TypeError that lists what can', async () => {
    await expect(client.transcriptions.create({ file: true as never })).rejects.toThrow(
      new TypeError(
        'Cannot upload true: pass an http(s) URL, a Uint8Array/Buffer, an ArrayBuffer, a Blob/File, a ReadableStream, ' +
          'a Node Readable or an async iterable of bytes (or, on Node, a file path or file: URL).',
      ),
    );
    expect(server.requests).toHaveLength(0);
  });

  it("a caller's stream is handed out once: a second send is refused rather than sent empty", () => {
    const source = bytesSource(Readable.from([AUDIO]));

    expect(source?.replayable).toBe(false);
    source?.open();
    expect(() => source?.open()).toThrow(new TypeError('This upload stream was already sent once and cannot be read again.'));
  });
});

it.each<[string, () => Uploadable]>([
  ['bytes', () => AUDIO],
  ['a stream', () => chunksOf(AUDIO, 65536)],
])('an upload of %s that nothing moves for its timeout is an APITimeoutError saying the upload timed out', async (_label, input) => {
  server.route('POST /audio/transcriptions', () => undefined); // never reads, never answers

  const error = await client.transcriptions.create({ file: input() }, { timeout: 200, maxRetries: 0 }).catch((e: unknown) => e);

  expect((error as Error).constructor).toBe(APITimeoutError);
  expect(error).toMatchObject({ message: 'The upload timed out: nothing was sent or received for 200 ms.', code: 'ECONNABORTED' });
});

it('an error status becomes the typed API error with the server message', async () => {
  server.route('POST /audio/transcriptions', async (req, res) => {
    await parseMultipart(req);
    sendError(res, 400, 'unsupported audio format');
  });

  const error = await client.transcriptions.create({ file: audioPath }).catch((e: unknown) => e);

  expect(error).toBeInstanceOf(BadRequestError);
  expect((error as Error).message).toContain('unsupported audio format');
});

describe('an upload that fails for good closes the files it opened', () => {
  /** This process's open file descriptors on `file` (Linux: /proc/self/fd). */
  function descriptorsOn(file: string): number {
    return readdirSync('/proc/self/fd').filter((fd) => {
      try {
        return readlinkSync(`/proc/self/fd/${fd}`) === file;
      } catch {
        return false;
      }
    }).length;
  }

  async function settledDescriptorsOn(file: string): Promise<number> {
    // Opening and closing a file are asynchronous: a stream destroyed while its file is opening
    // holds the descriptor from the moment the open completes until its close does. So none may
    // show at first and one a moment later; settled means none for 200 ms (within a few seconds
    // on a loaded machine).
    let closedSince = 0;
    for (let waited = 0; waited < 5000 && waited - closedSince < 200; waited += 20) {
      if (descriptorsOn(file) > 0) closedSince = waited + 20;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return descriptorsOn(file);
  }

  let bigPath: string;
  beforeAll(() => {
    bigPath = path.join(dir, 'long recording.wav');
    writeFileSync(bigPath, randomBytes(16 * 1024 * 1024));
  });

  const failures: Array<[string, new (...args: never[]) => Error, (res: ServerResponse) => void]> = [
    [
      'the server answers 400 and closes the connection mid-upload',
      BadRequestError,
      (res) => {
        res.writeHead(400, { 'content-type': 'application/json', connection: 'close' });
        res.end(JSON.stringify({ error: { message: 'unsupported audio format', type: 'invalid_request_error' } }), () => res.socket?.destroy());
      },
    ],
    ['the connection is reset mid-upload', APIConnectionError, (res) => void res.socket?.destroy()],
  ];

  it.each(failures)('%s', async (_label, ErrorClass, fail) => {
    // A stream destroyed before its file finished opening closes the descriptor once it opens, so the case before may leave one for a moment.
    expect(await settledDescriptorsOn(bigPath)).toBe(0);
    server.route('POST /audio/transcriptions', (req, res) => {
      req.once('data', () => fail(res));
    });
    const noRetries = new TogetherAudio({ apiKey: 'test-key-uploads', baseURL: server.baseURL, maxRetries: 0 });

    const error = await noRetries.transcriptions.create({ file: bigPath }).catch((e: unknown) => e);

    expect((error as Error).constructor).toBe(ErrorClass);
    expect(await settledDescriptorsOn(bigPath)).toBe(0);
  });

  it.each(failures)("%s: the caller's async iterable is closed, its finally block run", async (_label, _ErrorClass, fail) => {
    let closed = false;
    async function* endless(): AsyncGenerator<Uint8Array> {
      try {
        for (;;) {
          yield AUDIO.subarray(0, 65536);
          await new Promise((resolve) => setImmediate(resolve));
        }
      } finally {
        closed = true;
      }
    }
    server.route('POST /audio/transcriptions', (req, res) => {
      req.once('data', () => fail(res));
    });
    const noRetries = new TogetherAudio({ apiKey: 'test-key-uploads', baseURL: server.baseURL, maxRetries: 0 });

    await expect(noRetries.transcriptions.create({ file: endless() })).rejects.toBeInstanceOf(TogetherAudioError);
    for (let waited = 0; waited < 1000 && !closed; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(closed).toBe(true);
  });
});
