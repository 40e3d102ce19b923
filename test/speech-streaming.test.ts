import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { getEventListeners } from 'node:events';
import { inspect } from 'node:util';
import { APIUserAbortError, StreamError, TogetherAudio, type AudioSpeechRequest } from '../src';
import { decodeSpeechEvents, MAX_EVENT_CHARS } from '../src/speech-stream';
import { FakeTogether, readJson, sendError, writeSpeechEvents } from './support/fake-together';

const API_KEY = 'test-key-stream-5ecret';
const request: AudioSpeechRequest = { model: 'cartesia/sonic', input: 'Hello there', voice: 'friendly sidekick' };

let server: FakeTogether;
let client: TogetherAudio;

beforeAll(async () => {
  server = await FakeTogether.start();
  client = new TogetherAudio({ apiKey: API_KEY, baseURL: server.baseURL });
});
afterEach(() => server.reset());
afterAll(() => server.close());

function sseEvent(payload: unknown): string {
  return `data: ${typeof payload === 'string' ? payload : JSON.stringify(payload)}\n\n`;
}

function chunkEvent(pcm: Buffer): string {
  return sseEvent({ data: { object: 'audio.tts.chunk', model: 'cartesia/sonic', b64: pcm.toString('base64') } });
}

function startEventStream(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  res.flushHeaders();
}

/** Resolves when the server side of the response is closed (finished or torn down). */
function closed(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => res.on('close', () => resolve()));
}

async function collect(source: AsyncIterable<Buffer>): Promise<Buffer[]> {
  const chunks: Buffer[] = [];
  for await (const chunk of source) chunks.push(chunk);
  return chunks;
}

describe('speech.stream', () => {
  it('decodes every event into exactly the PCM bytes the server encoded, in order', async () => {
    const pcm = [randomBytes(1), randomBytes(4410 * 4), randomBytes(3), randomBytes(200_001), randomBytes(17)];
    let body: unknown;
    let accept: unknown;
    server.route('POST /audio/speech', async (req, res) => {
      accept = req.headers.accept;
      body = await readJson(req);
      writeSpeechEvents(res, pcm);
    });

    const chunks = await collect(client.speech.stream(request));

    expect(chunks).toHaveLength(pcm.length);
    chunks.forEach((chunk, i) => expect(chunk.equals(pcm[i])).toBe(true));
    expect(body).toEqual({ ...request, response_format: 'raw', stream: true });
    expect(accept).toBe('text/event-stream');
  });

  it('accepts chunks at the top level and events split at arbitrary byte boundaries, with CRLF line ends', async () => {
    const pcm = [randomBytes(999), randomBytes(5000), randomBytes(2)];
    const wire = Buffer.from(
      pcm.map((chunk) => `data: ${JSON.stringify({ object: 'audio.tts.chunk', model: 'm', b64: chunk.toString('base64') })}\r\n\r\n`).join('') +
        ': a comment\r\n\r\ndata: [DONE]\r\n\r\n',
    );
    server.route('POST /audio/speech', async (req, res) => {
      await readJson(req);
      startEventStream(res);
      for (let offset = 0; offset < wire.length; offset += 7) {
        res.write(wire.subarray(offset, offset + 7));
        if (offset % 700 === 0) await new Promise((resolve) => setImmediate(resolve));
      }
      res.end();
    });

    const chunks = await collect(client.speech.stream(request));

    expect(Buffer.concat(chunks).equals(Buffer.concat(pcm))).toBe(true);
  });

  it('ends at data: [DONE] without waiting for the body to end, ignoring anything after it', async () => {
    const pcm = randomBytes(1024);
    let serverClosed: Promise<void> | undefined;
    server.route('POST /audio/speech', async (req, res) => {
      await readJson(req);
      serverClosed = closed(res);
      startEventStream(res);
      res.write(chunkEvent(pcm));
      res.write(sseEvent('[DONE]'));
      res.write(chunkEvent(randomBytes(10)));
      // The body is left open: only the sentinel can end the iteration.
    });

    const chunks = await collect(client.speech.stream(request));

    expect(chunks).toHaveLength(1);
    expect(chunks[0].equals(pcm)).toBe(true);
    await serverClosed;
  });

  it('drains the body after [DONE] so the next request reuses the keep-alive connection', async () => {
    const ports: number[] = [];
    server.route('POST /audio/speech', async (req, res) => {
      await readJson(req);
      ports.push(req.socket.remotePort ?? -1);
      writeSpeechEvents(res, [randomBytes(2048), randomBytes(10)]);
    });

    for (let i = 0; i < 3; i += 1) {
      expect(Buffer.concat(await collect(client.speech.stream(request)))).toHaveLength(2058);
    }

    expect(ports).toHaveLength(3);
    expect(new Set(ports).size).toBe(1);
  });

  it.each([
    ['data that is not JSON', 'not json {'],
    ['an event without b64', JSON.stringify({ data: { object: 'audio.tts.chunk', model: 'm' } })],
    ['a b64 that is not base64', JSON.stringify({ data: { object: 'audio.tts.chunk', model: 'm', b64: '%%%' } })],
    ['a b64 with a stray character', JSON.stringify({ data: { object: 'audio.tts.chunk', model: 'm', b64: 'AAAA%AAA' } })],
    ['a JSON value that is not an object', '42'],
  ])('raises StreamError on %s, after delivering the chunks before it', async (_label, badData) => {
    const first = randomBytes(64);
    server.route('POST /audio/speech', async (req, res) => {
      await readJson(req);
      startEventStream(res);
      res.write(chunkEvent(first));
      res.end(`${sseEvent(badData)}${sseEvent('[DONE]')}`);
    });

    const received: Buffer[] = [];
    const consume = async () => {
      for await (const chunk of client.speech.stream(request)) received.push(chunk);
    };

    await expect(consume()).rejects.toThrow(StreamError);
    await expect(consume).rejects.toThrow(/Malformed speech stream event/);
    expect(received[0].equals(first)).toBe(true);
  });

  it('raises StreamError carrying the message of an error event', async () => {
    server.route('POST /audio/speech', async (req, res) => {
      await readJson(req);
      startEventStream(res);
      res.end(sseEvent({ error: { message: 'voice model overloaded', type: 'server_error' } }));
    });

    await expect(collect(client.speech.stream(request))).rejects.toThrow(
      expect.objectContaining({ name: 'StreamError', message: expect.stringContaining('voice model overloaded') }),
    );
  });

  it('raises StreamError when the body ends without data: [DONE]', async () => {
    server.route('POST /audio/speech', async (req, res) => {
      await readJson(req);
      startEventStream(res);
      res.end(chunkEvent(randomBytes(100)));
    });

    const error = await collect(client.speech.stream(request)).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(StreamError);
    expect((error as Error).message).toMatch(/ended without data: \[DONE\]/);
  });

  it('raises StreamError when the connection breaks off mid-stream', async () => {
    server.route('POST /audio/speech', async (req, res) => {
      await readJson(req);
      startEventStream(res);
      res.write(chunkEvent(randomBytes(100)));
      setTimeout(() => res.socket?.destroy(), 20);
    });

    const error = await collect(client.speech.stream(request)).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(StreamError);
    expect(inspect(error, { depth: 10 })).not.toContain(API_KEY);
  });

  it('refuses a 200 response that is not an event stream', async () => {
    server.route('POST /audio/speech', async (req, res) => {
      await readJson(req);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
    });

    await expect(collect(client.speech.stream(request))).rejects.toThrow(/expected text\/event-stream but got application\/json/);
  });

  it('surfaces an error status as the typed API error', async () => {
    server.route('POST /audio/speech', async (req, res) => {
      await readJson(req);
      sendError(res, 400, 'voice not found');
    });

    await expect(collect(client.speech.stream(request))).rejects.toMatchObject({
      name: 'BadRequestError',
      status: 400,
      message: expect.stringContaining('voice not found'),
    });
  });

  it('closes the connection when the consumer breaks out early', async () => {
    let serverClosed: Promise<void> | undefined;
    server.route('POST /audio/speech', async (req, res) => {
      await readJson(req);
      serverClosed = closed(res);
      startEventStream(res);
      res.write(chunkEvent(randomBytes(32)));
      res.write(chunkEvent(randomBytes(32)));
      // Never ends by itself: only the client going away closes it.
    });

    let seen = 0;
    for await (const chunk of client.speech.stream(request)) {
      expect(chunk).toHaveLength(32);
      seen += 1;
      break;
    }

    expect(seen).toBe(1);
    await serverClosed;
  });

  it('stops mid-stream when the signal aborts, and closes the connection', async () => {
    let serverClosed: Promise<void> | undefined;
    server.route('POST /audio/speech', async (req, res) => {
      await readJson(req);
      serverClosed = closed(res);
      startEventStream(res);
      res.write(chunkEvent(randomBytes(32)));
    });
    const controller = new AbortController();

    const received: Buffer[] = [];
    const error = await (async () => {
      for await (const chunk of client.speech.stream(request, { signal: controller.signal })) {
        received.push(chunk);
        controller.abort();
      }
    })().catch((e: unknown) => e);

    expect(received).toHaveLength(1);
    expect(error).toBeInstanceOf(APIUserAbortError);
    expect(inspect(error, { depth: 10 })).not.toContain(API_KEY);
    await serverClosed;
  });

  it('sends nothing when the signal is already aborted', async () => {
    server.route('POST /audio/speech', (_req, res) => writeSpeechEvents(res, [randomBytes(4)]));
    const controller = new AbortController();
    controller.abort();

    await expect(collect(client.speech.stream(request, { signal: controller.signal }))).rejects.toBeDefined();
    expect(server.requests).toHaveLength(0);
  });

  it('can be iterated only once', async () => {
    server.route('POST /audio/speech', (_req, res) => writeSpeechEvents(res, [randomBytes(4)]));
    const speech = client.speech.stream(request);

    await collect(speech);

    expect(() => speech[Symbol.asyncIterator]()).toThrow(/only once/);
    expect(server.requests).toHaveLength(1);
  });
});

describe('speech.stream input checks and format', () => {
  it.each(['mp3', 'wav'] as const)('rejects response_format %s with a TypeError before any I/O', (format) => {
    expect(() => client.speech.stream({ ...request, response_format: format })).toThrow(TypeError);
    expect(() => client.speech.stream({ ...request, response_format: format })).toThrow(/supports only response_format "raw"/);
    expect(server.requests).toHaveLength(0);
  });

  it.each(['model', 'input', 'voice'] as const)('names a missing %s before any I/O', (field) => {
    const incomplete = { ...request, [field]: undefined } as unknown as AudioSpeechRequest;

    expect(() => client.speech.stream(incomplete)).toThrow(new RegExp(`needs "${field}"`));
    expect(server.requests).toHaveLength(0);
  });

  it('derives the PCM format from the request and lets options override it', () => {
    expect(client.speech.stream(request).format).toEqual({ encoding: 'pcm_f32le', sampleRate: 44100, channels: 1 });
    expect(client.speech.stream({ ...request, response_encoding: 'pcm_s16le', sample_rate: 16000 }).format).toEqual({
      encoding: 'pcm_s16le',
      sampleRate: 16000,
      channels: 1,
    });
    expect(client.speech.stream({ ...request, model: 'hexgrad/Kokoro-82M', sample_rate: 8000 }).format).toEqual({
      encoding: 'pcm_s16le',
      sampleRate: 24000,
      channels: 1,
    });
    expect(client.speech.stream(request, { pcmFormat: { sampleRate: 22050 } }).format.sampleRate).toBe(22050);
    expect(server.requests).toHaveLength(0);
  });
});

describe('speech.stream: the end of the stream and error events', () => {
  it('after [DONE], waits for the rest of a body that ends a little later, and reuses the connection', async () => {
    const ports: number[] = [];
    server.route('POST /audio/speech', async (req, res) => {
      await readJson(req);
      ports.push(req.socket.remotePort ?? -1);
      startEventStream(res);
      res.write(chunkEvent(randomBytes(100)));
      res.write(sseEvent('[DONE]'));
      // The end of the body (with a trailing comment) comes after the client has seen [DONE].
      setTimeout(() => res.end(': bye\n\n'), 100);
    });

    for (let i = 0; i < 2; i += 1) expect(Buffer.concat(await collect(client.speech.stream(request)))).toHaveLength(100);

    expect(ports).toHaveLength(2);
    expect(ports[1]).toBe(ports[0]);
  });

  it('a connection reset after [DONE] is no error: all the audio has arrived', async () => {
    const pcm = randomBytes(100);
    server.route('POST /audio/speech', async (req, res) => {
      await readJson(req);
      startEventStream(res);
      res.write(chunkEvent(pcm));
      res.write(sseEvent('[DONE]'), () => setTimeout(() => res.socket?.destroy(), 20));
    });

    const chunks = await collect(client.speech.stream(request));

    expect(chunks).toEqual([pcm]);
  });

  it.each([
    ['an error object', { error: { message: 'voice model overloaded', type: 'server_error' } }, 'voice model overloaded'],
    ['an error string', { error: 'quota exhausted' }, 'quota exhausted'],
    ['an error without a message', { error: { code: 42 } }, '{"code":42}'],
    ['an error beside a chunk', { error: 'bad voice', data: { object: 'audio.tts.chunk', model: 'm', b64: 'AAAA' } }, 'bad voice'],
  ])('an error event (%s) is reported as the server error, not as a malformed event', async (_label, payload, message) => {
    server.route('POST /audio/speech', async (req, res) => {
      await readJson(req);
      startEventStream(res);
      res.end(`${sseEvent(payload)}${sseEvent('[DONE]')}`);
    });

    const error = await collect(client.speech.stream(request)).catch((e: unknown) => e);
    expect((error as Error).constructor).toBe(StreamError);
    expect((error as Error).message).toBe(`The server reported an error mid-stream: ${message}`);
  });

  it('an event whose error is null is an ordinary chunk', async () => {
    const pcm = randomBytes(30);
    server.route('POST /audio/speech', async (req, res) => {
      await readJson(req);
      startEventStream(res);
      res.end(`${sseEvent({ error: null, data: { object: 'audio.tts.chunk', model: 'm', b64: pcm.toString('base64') } })}${sseEvent('[DONE]')}`);
    });
    const chunks = await collect(client.speech.stream(request));
    expect(Buffer.concat(chunks).equals(pcm)).toBe(true);
  });

  it('a body that ends without [DONE] is a StreamError saying the audio may be truncated', async () => {
    server.route('POST /audio/speech', async (req, res) => {
      await readJson(req);
      startEventStream(res);
      res.end(chunkEvent(randomBytes(10)));
    });
    const error = await collect(client.speech.stream(request)).catch((e: unknown) => e);
    expect((error as Error).constructor).toBe(StreamError);
    expect((error as Error).message).toBe('The speech stream ended without data: [DONE]; the audio may be truncated.');
  });
});

describe('decodeSpeechEvents on a body of given chunks', () => {
  const utf8 = new TextEncoder();
  const chunk = (pcm: Buffer) => chunkEvent(pcm);

  /** A body delivering exactly these chunks (strings as UTF-8) and then ending, or staying open. */
  function body(parts: Array<string | Uint8Array>, options: { open?: boolean; onCancel?: (reason: unknown) => void } = {}): ReadableStream<Uint8Array> {
    return new ReadableStream<Uint8Array>({
      start(controller) {
        for (const part of parts) controller.enqueue(typeof part === 'string' ? utf8.encode(part) : part);
        if (!options.open) controller.close();
      },
      cancel: options.onCancel,
    });
  }

  async function decode(stream: ReadableStream<Uint8Array>, signal?: AbortSignal): Promise<{ chunks: Buffer[]; error?: Error }> {
    const chunks: Buffer[] = [];
    try {
      for await (const pcm of decodeSpeechEvents(stream, signal)) chunks.push(Buffer.from(pcm));
      return { chunks };
    } catch (error) {
      return { chunks, error: error as Error };
    }
  }

  it('a CR that ends the body completes the blank line of the last event', async () => {
    expect(await decode(body(['data: [DONE]\r\r']))).toEqual({ chunks: [] });
    expect(await decode(body(['data: [DONE]\n\r']))).toEqual({ chunks: [] });
    expect(await decode(body(['data: [DONE]\r', '\r', new Uint8Array(0)]))).toEqual({ chunks: [] });
  });

  it('an event without its blank line at the end of the body is discarded, as the SSE spec says', async () => {
    const { error } = await decode(body(['data: [DONE]\n']));
    expect(error?.message).toBe('The speech stream ended without data: [DONE]; the audio may be truncated.');
  });

  it('an audio event completed only by the end of the body is delivered before the missing [DONE] is reported', async () => {
    const pcm = randomBytes(12);
    const { chunks, error } = await decode(body([`${chunk(pcm).trimEnd()}\r\r`]));
    expect(chunks).toEqual([pcm]);
    expect(error?.constructor).toBe(StreamError);
    expect(error?.message).toMatch(/ended without data: \[DONE\]/);
  });

  it('a malformed event completed only by the end of the body is reported as malformed', async () => {
    const { error } = await decode(body(['data: oops\r\r']));
    expect(error?.message).toBe('Malformed speech stream event: data is not JSON: "oops"');
  });

  it('a malformed event of exactly 80 characters is quoted whole', async () => {
    const data = `x${'y'.repeat(79)}`;
    const { error } = await decode(body([`data: ${data}\n\n`]));
    expect(error?.message).toBe(`Malformed speech stream event: data is not JSON: ${JSON.stringify(data)}`);
  });

  it('a malformed event is quoted up to 80 characters', async () => {
    const long = `x${'y'.repeat(99)}`;
    const { error } = await decode(body([`data: ${long}\n\n`]));
    expect(error?.message).toBe(`Malformed speech stream event: data is not JSON: ${JSON.stringify(`${long.slice(0, 80)}…`)}`);
  });

  it.each([
    ['null', 'null'],
    ['a number', '42'],
  ])('%s as event data is an event without audio', async (_label, data) => {
    const { error } = await decode(body([`data: ${data}\n\n`]));
    expect(error?.constructor).toBe(StreamError);
    expect(error?.message).toBe(`Malformed speech stream event: no audio.tts.chunk with a base64 "b64" field: ${JSON.stringify(data)}`);
  });

  it('characters split across chunks are decoded whole', async () => {
    const event = utf8.encode(`data: ${JSON.stringify({ error: 'Überlastung – später erneut' })}\n\n`);
    const split = event.indexOf(0xc3) + 1; // inside the two bytes of Ü
    const { error } = await decode(body([event.subarray(0, split), event.subarray(split)]));
    expect(error?.message).toBe('The server reported an error mid-stream: Überlastung – später erneut');
  });

  it('keep-alive events whose data is only whitespace carry no audio and are skipped', async () => {
    const pcm = randomBytes(6);
    const { chunks, error } = await decode(body(['data:  \n\n', ': comment\n\n', chunk(pcm), 'retry: soon\nfoo: bar\n\n', sseEvent('[DONE]')]));
    expect(error).toBeUndefined();
    expect(chunks).toEqual([pcm]);
  });

  it('an event over the size limit ends the stream with a StreamError saying so', async () => {
    const { error } = await decode(body([`data: ${'A'.repeat(MAX_EVENT_CHARS + 1024)}`]));
    expect(error?.constructor).toBe(StreamError);
    expect(error?.message).toBe('A speech stream event is larger than 16 MiB, the most this client holds; the stream was closed.');
  });

  it('a body that fails mid-stream is a StreamError naming what happened, with it as the cause', async () => {
    const failing = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(utf8.encode(chunk(randomBytes(4))));
        controller.error(new Error('socket hang up'));
      },
    });
    const { error } = await decode(failing);
    expect(error?.constructor).toBe(StreamError);
    expect(error?.message).toBe('The speech stream broke off before data: [DONE]: socket hang up');
    expect((error?.cause as Error | undefined)?.message).toBe('socket hang up');
  });

  it('an abort while waiting for the body ends it with APIUserAbortError and cancels the body', async () => {
    const controller = new AbortController();
    let cancelledWith: unknown = 'not cancelled';
    const pcm = randomBytes(8);
    const stream = body([chunk(pcm)], { open: true, onCancel: (reason) => (cancelledWith = reason) });
    const chunks: Buffer[] = [];
    const error = await (async () => {
      for await (const piece of decodeSpeechEvents(stream, controller.signal)) {
        chunks.push(Buffer.from(piece));
        setTimeout(() => controller.abort(new Error('user left')), 10);
      }
    })().catch((e: unknown) => e);
    expect(chunks).toEqual([pcm]);
    expect((error as Error).constructor).toBe(APIUserAbortError);
    expect(((error as Error).cause as Error).message).toBe('user left');
    expect(cancelledWith).toBeInstanceOf(APIUserAbortError);
  });

  it('an already aborted signal reads nothing', async () => {
    let pulled = false;
    const stream = new ReadableStream<Uint8Array>(
      {
        pull(controller) {
          pulled = true;
          controller.enqueue(utf8.encode(`${chunk(randomBytes(4))}${sseEvent('[DONE]')}`));
          controller.close();
        },
      },
      { highWaterMark: 0 },
    );
    const { chunks, error } = await decode(stream, AbortSignal.abort());
    expect(chunks).toEqual([]);
    expect(error?.constructor).toBe(APIUserAbortError);
    expect(pulled).toBe(false);
  });

  it('after an abort no more audio is delivered, not even an event that the end of the body completes', async () => {
    const controller = new AbortController();
    const [first, held] = [randomBytes(8), randomBytes(8)];
    // The second event waits for its last line end: only the end of the body would complete it.
    const stream = body([`${chunk(first)}${chunk(held).trimEnd()}\r\r`], { open: true });
    const chunks: Buffer[] = [];
    const error = await (async () => {
      for await (const piece of decodeSpeechEvents(stream, controller.signal)) {
        chunks.push(Buffer.from(piece));
        controller.abort();
      }
    })().catch((e: unknown) => e);
    expect(chunks).toEqual([first]);
    expect((error as Error).constructor).toBe(APIUserAbortError);
  });

  it('an abort ends the stream with APIUserAbortError even when the data already read holds a malformed event', async () => {
    const controller = new AbortController();
    let cancelledWith: unknown = 'not cancelled';
    const stream = body([`${chunk(randomBytes(8))}data: oops\n\n`], { open: true, onCancel: (reason) => (cancelledWith = reason) });
    const error = await (async () => {
      for await (const _piece of decodeSpeechEvents(stream, controller.signal)) controller.abort();
    })().catch((e: unknown) => e);
    expect((error as Error).constructor).toBe(APIUserAbortError);
    expect(cancelledWith).toBeInstanceOf(APIUserAbortError);
  });

  it('leaves no timer behind once a stream has ended at [DONE], so nothing holds the process open', async () => {
    const timers = () => process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length;
    const before = timers();
    const { chunks, error } = await decode(body([chunk(randomBytes(4)), sseEvent('[DONE]')]));
    expect(error).toBeUndefined();
    expect(chunks).toHaveLength(1);
    expect(timers()).toBeLessThanOrEqual(before);
  });

  it('leaves no abort listener on the signal once the stream has ended', async () => {
    const controller = new AbortController();
    await decode(body([chunk(randomBytes(4)), sseEvent('[DONE]')]), controller.signal);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });
});
