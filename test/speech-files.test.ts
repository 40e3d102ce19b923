import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createReadStream, existsSync, lstatSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { inspect } from 'node:util';
import { APIConnectionError, APIUserAbortError, BadRequestError, StreamError, TogetherAudio, type AudioSpeechRequest } from '../src';
import { removePartialFile } from '../src/node/partial-file';
import { FakeTogether, readJson, sendError, writeSpeechEvents } from './support/fake-together';
import { parseWav } from './support/wav-reader';

const API_KEY = 'test-key-files-5ecret';
const request: AudioSpeechRequest = { model: 'cartesia/sonic', input: 'Hello there', voice: 'friendly sidekick' };
// Starts like a WAV file but carries bytes that are not valid UTF-8, so any text decoding would show.
const ENCODED = Buffer.concat([Buffer.from('RIFF'), Buffer.from([0xff, 0xfe, 0x80, 0xc3, 0x28]), randomBytes(3 * 1024 * 1024)]);

let server: FakeTogether;
let client: TogetherAudio;
let dir: string;

beforeAll(async () => {
  server = await FakeTogether.start();
  client = new TogetherAudio({ apiKey: API_KEY, baseURL: server.baseURL });
  dir = mkdtempSync(path.join(tmpdir(), 'together-speech-files-'));
});
afterEach(() => server.reset());
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

function serveBody(body: Buffer, contentType = 'audio/wav'): void {
  server.route('POST /audio/speech', async (req, res) => {
    await readJson(req);
    res.writeHead(200, { 'content-type': contentType, 'content-length': body.length });
    res.end(body);
  });
}

/** Sends the first half of `body`, then waits for `release()` before sending the rest. */
/** `halfSent`: the headers and the first half are written; `closed`: the client's connection closed. */
function serveInTwoHalves(body: Buffer): { release: () => void; halfSent: Promise<void>; closed: Promise<void> } {
  let release!: () => void;
  let markHalfSent!: () => void;
  const halfSent = new Promise<void>((resolve) => (markHalfSent = resolve));
  const released = new Promise<void>((resolve) => (release = resolve));
  let markClosed!: () => void;
  const closed = new Promise<void>((resolve) => (markClosed = resolve));
  server.route('POST /audio/speech', async (req, res: ServerResponse) => {
    await readJson(req);
    res.on('close', markClosed);
    res.writeHead(200, { 'content-type': 'audio/wav', 'content-length': body.length });
    res.write(body.subarray(0, body.length / 2), () => markHalfSent());
    await released;
    if (!res.destroyed) res.end(body.subarray(body.length / 2));
  });
  return { release, halfSent, closed };
}

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function tempPath(name: string): string {
  return path.join(dir, `${Date.now()}-${Math.random().toString(36).slice(2)}-${name}`);
}

describe('speech.create', () => {
  it('returns the exact bytes and asks for the media type of response_format', async () => {
    let accept: unknown;
    server.route('POST /audio/speech', async (req, res) => {
      accept = req.headers.accept;
      await readJson(req);
      res.writeHead(200, { 'content-type': 'audio/mpeg' });
      res.end(ENCODED);
    });

    const audio = await client.speech.create({ ...request, response_format: 'mp3' });

    expect(Buffer.isBuffer(audio)).toBe(true);
    expect(audio.equals(ENCODED)).toBe(true);
    expect(accept).toBe('audio/mpeg');
  });

  it('refuses stream: true and a missing voice before any I/O', async () => {
    await expect(client.speech.create({ ...request, stream: true })).rejects.toThrow(/speech\.stream\(\)/);
    await expect(client.speech.create({ ...request, voice: '' })).rejects.toThrow(/needs "voice"/);
    await expect(client.speech.toFile({ ...request, input: undefined } as unknown as AudioSpeechRequest, tempPath('x.wav'))).rejects.toThrow(/needs "input"/);
    expect(server.requests).toHaveLength(0);
  });
});

describe('speech request checks', () => {
  it.each<[string, unknown, string]>([
    ['a request that is not an object', null, 'The speech request must be an object.'],
    ['a missing field', { ...request, model: undefined }, 'The speech request needs "model" (a non-empty string); got nothing.'],
    ['a blank field', { ...request, input: ' ' }, 'The speech request needs "input" (a non-empty string); got " ".'],
    ['a field that is not a string', { ...request, voice: 42 }, 'The speech request needs "voice" (a non-empty string); got 42.'],
    [
      'text given as bytes (not echoed)',
      { ...request, input: new TextEncoder().encode('Hello') },
      'The speech request needs "input" (a non-empty string); got an instance of Uint8Array.',
    ],
    ['a number that is not one', { ...request, model: Number.NaN }, 'The speech request needs "model" (a non-empty string); got NaN.'],
  ])('name %s exactly, before any I/O', async (_label, bad, message) => {
    const error = await client.speech.create(bad as AudioSpeechRequest).catch((caught: unknown) => caught);
    expect((error as Error).constructor).toBe(TypeError);
    expect((error as Error).message).toBe(message);
    expect(server.requests).toHaveLength(0);
  });
});

describe('speech.createReadable', () => {
  it('hands back a Readable before the body has arrived, then yields the exact bytes', async () => {
    const { release } = serveInTwoHalves(ENCODED);

    const readable = await client.speech.createReadable(request);
    // The server is still holding back half of the body, so nothing can have been buffered whole.
    expect(readable).toBeInstanceOf(Readable);
    release();

    expect((await readAll(readable)).equals(ENCODED)).toBe(true);
  });

  it('fails with APIUserAbortError, not an error carrying the request config, when the signal aborts mid-body', async () => {
    const { release, closed } = serveInTwoHalves(ENCODED);
    const controller = new AbortController();

    const readable = await client.speech.createReadable(request, { signal: controller.signal });
    readable.once('data', () => controller.abort());
    const error = await readAll(readable).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(APIUserAbortError);
    expect(inspect(error, { depth: 10 })).not.toContain(API_KEY);
    await closed;
    release();
  });

  it('releases the connection when the caller destroys the stream early', async () => {
    const { release, closed } = serveInTwoHalves(ENCODED);

    const readable = await client.speech.createReadable(request);
    readable.destroy();

    await closed;
    release();
  });
});

describe('speech.toFile', () => {
  it('writes the exact bytes and reports how many', async () => {
    serveBody(ENCODED);
    const target = tempPath('speech.wav');

    const saved = await client.speech.toFile(request, target);

    expect(saved).toEqual({ path: target, bytes: ENCODED.length });
    expect(readFileSync(target).equals(ENCODED)).toBe(true);
  });

  it('writes an empty file for a 204, whose body is empty by definition, as create() resolves no bytes', async () => {
    server.route('POST /audio/speech', async (req, res) => {
      await readJson(req);
      res.writeHead(204);
      res.end();
    });
    const target = tempPath('no-content.wav');

    await expect(client.speech.toFile(request, target)).resolves.toEqual({ path: target, bytes: 0 });
    expect(readFileSync(target)).toHaveLength(0);
  });

  it('removes the partial file when the connection breaks mid-body', async () => {
    server.route('POST /audio/speech', async (req, res) => {
      await readJson(req);
      res.writeHead(200, { 'content-type': 'audio/wav', 'content-length': ENCODED.length });
      res.write(ENCODED.subarray(0, 1024 * 1024), () => setTimeout(() => res.socket?.destroy(), 20));
    });
    const target = tempPath('broken.wav');

    const error = await client.speech.toFile(request, target).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(APIConnectionError);
    expect((error as Error).message).toMatch(/broke off before the response body ended/);
    expect(inspect(error, { depth: 10 })).not.toContain(API_KEY);
    expect(existsSync(target)).toBe(false);
  });

  it('removes the partial file when the signal aborts mid-body, and closes the connection', async () => {
    const { release, halfSent, closed } = serveInTwoHalves(ENCODED);
    const controller = new AbortController();
    const target = tempPath('aborted.wav');

    const saving = client.speech.toFile(request, target, { signal: controller.signal });
    // Mid-body: an abort before the request reached the server would test something else.
    await halfSent;
    await new Promise((resolve) => setTimeout(resolve, 50));
    controller.abort();

    const error = await saving.catch((e: unknown) => e);

    expect(error).toBeInstanceOf(APIUserAbortError);
    expect(inspect(error, { depth: 10 })).not.toContain(API_KEY);
    expect(existsSync(target)).toBe(false);
    await closed;
    release();
  });

  it('fails on a path in a missing directory before any I/O', async () => {
    const target = path.join(dir, 'no-such-dir', 'speech.wav');

    await expect(client.speech.toFile(request, target)).rejects.toMatchObject({ code: 'ENOENT', message: expect.stringContaining(target) });
    expect(server.requests).toHaveLength(0);
  });

  it('refuses stream: true before creating the file', async () => {
    const target = tempPath('streamed.wav');

    await expect(client.speech.toFile({ ...request, stream: true }, target)).rejects.toThrow(/for stream: true use speech\.stream\(\)/);
    expect(existsSync(target)).toBe(false);
    expect(server.requests).toHaveLength(0);
  });

  it('creates no file when the server answers with an error', async () => {
    server.route('POST /audio/speech', async (req, res) => {
      await readJson(req);
      sendError(res, 400, 'unknown voice');
    });
    const target = tempPath('error.wav');

    await expect(client.speech.toFile(request, target)).rejects.toBeInstanceOf(BadRequestError);
    expect(existsSync(target)).toBe(false);
  });
});

describe('speech.toWavFile', () => {
  // 4410 f32 frames plus one odd byte, split unevenly across events.
  const pcm = randomBytes(4410 * 4 + 1);
  const pcmChunks = [pcm.subarray(0, 1000), pcm.subarray(1000, 1001), pcm.subarray(1001)];

  it('wraps the streamed PCM in a WAV whose header describes it (Cartesia: f32le, 44100 Hz)', async () => {
    let body: unknown;
    server.route('POST /audio/speech', async (req, res) => {
      body = await readJson(req);
      writeSpeechEvents(res, pcmChunks);
    });
    const target = tempPath('streamed.wav');

    const saved = await client.speech.toWavFile(request, target);

    const file = readFileSync(target);
    const wav = parseWav(file);
    expect(wav).toMatchObject({ riff: 'RIFF', wave: 'WAVE', formatTag: 3, channels: 1, sampleRate: 44100, bitsPerSample: 32, blockAlign: 4 });
    expect(wav.byteRate).toBe(44100 * 4);
    expect(wav.dataSize).toBe(pcm.length);
    expect(wav.factSampleLength).toBe(4410);
    expect(wav.riffSize).toBe(file.length - 8);
    expect(file.subarray(wav.dataOffset, wav.dataOffset + wav.dataSize).equals(pcm)).toBe(true);
    expect(saved).toEqual({ path: target, bytes: file.length });
    expect(body).toEqual({ ...request, response_format: 'raw', stream: true });
  });

  it('uses the format the model actually sends (Kokoro: s16le, 24000 Hz) and honours an override', async () => {
    server.route('POST /audio/speech', (_req, res) => writeSpeechEvents(res, pcmChunks));
    const kokoro = tempPath('kokoro.wav');
    const overridden = tempPath('override.wav');

    await client.speech.toWavFile({ ...request, model: 'hexgrad/Kokoro-82M', sample_rate: 44100 }, kokoro);
    await client.speech.toWavFile({ ...request, response_encoding: 'pcm_s16le' }, overridden, { pcmFormat: { sampleRate: 16000, channels: 2 } });

    expect(parseWav(readFileSync(kokoro))).toMatchObject({ formatTag: 1, bitsPerSample: 16, sampleRate: 24000, channels: 1, dataSize: pcm.length });
    expect(parseWav(readFileSync(overridden))).toMatchObject({ formatTag: 1, bitsPerSample: 16, sampleRate: 16000, channels: 2, blockAlign: 4 });
  });

  it('removes the partial file when the stream ends without [DONE]', async () => {
    server.route('POST /audio/speech', async (req, res) => {
      await readJson(req);
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(`data: ${JSON.stringify({ data: { object: 'audio.tts.chunk', model: 'm', b64: pcm.toString('base64') } })}\n\n`);
    });
    const target = tempPath('truncated.wav');

    await expect(client.speech.toWavFile(request, target)).rejects.toBeInstanceOf(StreamError);
    expect(existsSync(target)).toBe(false);
  });

  it('refuses a non-raw response_format before any I/O, creating no file', async () => {
    const target = tempPath('mp3.wav');

    await expect(client.speech.toWavFile({ ...request, response_format: 'mp3' }, target)).rejects.toThrow(TypeError);
    expect(existsSync(target)).toBe(false);
    expect(server.requests).toHaveLength(0);
  });
});

describe.each(['toFile', 'toWavFile'] as const)('speech.%s without a path', (method) => {
  it.each([
    ['an empty path', ''],
    ['no path', undefined],
  ])('refuses %s with a TypeError before any I/O', async (_label, target) => {
    const error = await client.speech[method](request, target as unknown as string).catch((caught: unknown) => caught);
    expect((error as Error).constructor).toBe(TypeError);
    expect((error as Error).message).toBe('A file path (a non-empty string) is required.');
    expect(server.requests).toHaveLength(0);
  });
});

describe.each(['toFile', 'toWavFile'] as const)('speech.%s to a path that is not a regular file', (method) => {
  it('leaves a named pipe in place when the call fails: only a partial regular file is removed', async () => {
    const fifo = tempPath('speech.pipe');
    execFileSync('mkfifo', [fifo]);
    const reader = readAll(createReadStream(fifo));
    // toFile opens its file before the request; toWavFile once the stream has started.
    server.route('POST /audio/speech', async (req, res) => {
      await readJson(req);
      if (method === 'toFile') return sendError(res, 400, 'unknown voice');
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(`data: ${JSON.stringify({ data: { object: 'audio.tts.chunk', model: 'm', b64: 'AAAA' } })}\n\n`);
    });

    await expect(client.speech[method](request, fifo)).rejects.toBeInstanceOf(method === 'toFile' ? BadRequestError : StreamError);
    await reader;
    expect(lstatSync(fifo).isFIFO()).toBe(true);
  });
});

describe('removePartialFile', () => {
  // Every caller removes the partial file on its way to rethrowing what went wrong: a removal that
  // fails must not take that error's place. As root nearly every unlink succeeds; procfs refuses.
  it('resolves when the file cannot be removed, so the error that made it partial is the one reported', async () => {
    expect(lstatSync('/proc/self/status').isFile()).toBe(true);
    await expect(removePartialFile('/proc/self/status')).resolves.toBeUndefined();
  });
});

describe('speech.streamWav', () => {
  it('is a WAV stream: an open-ended header, then the PCM as it arrives', async () => {
    const pcm = [randomBytes(480), randomBytes(4800)];
    server.route('POST /audio/speech', (_req, res) => writeSpeechEvents(res, pcm));

    const file = await readAll(client.speech.streamWav({ ...request, model: 'canopylabs/orpheus-3b-0.1-ft' }));

    const wav = parseWav(file);
    expect(wav).toMatchObject({ formatTag: 1, bitsPerSample: 16, sampleRate: 24000, dataSize: 0xffffffff });
    expect(file.subarray(wav.dataOffset).equals(Buffer.concat(pcm))).toBe(true);
  });

  it('closes the connection when the WAV stream is destroyed early', async () => {
    let closed!: Promise<void>;
    server.route('POST /audio/speech', async (req, res) => {
      await readJson(req);
      closed = new Promise((resolve) => res.on('close', () => resolve()));
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`data: ${JSON.stringify({ data: { object: 'audio.tts.chunk', model: 'm', b64: randomBytes(64).toString('base64') } })}\n\n`);
    });

    const wav = client.speech.streamWav(request);
    let received = 0;
    for await (const chunk of wav) {
      received += (chunk as Buffer).length;
      if (received > 44) break;
    }

    expect(received).toBeGreaterThan(44);
    await closed;
  });
});
