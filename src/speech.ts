import type { AxiosResponse } from 'axios';
import { createWriteStream, type WriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { AudioApi } from '../generated/api/audio-api';
import type { AudioSpeechRequest } from '../generated/models';
import { StreamError } from './errors';
import { toAxiosConfig, type RequestOptions } from './request-options';
import { decodeSpeechEvents } from './speech-stream';
import { pcmFormatForSpeech, wavStream, writeWavFile, type PcmFormat } from './wav';

/** Options of the streamed speech methods. */
export interface SpeechStreamOptions extends RequestOptions {
  /**
   * Corrects the PCM format derived from the request (see `pcmFormatForSpeech`), for a model whose
   * output the derivation does not know.
   */
  pcmFormat?: Partial<PcmFormat>;
}

/** Streamed speech: iterate it for PCM chunks as they arrive; `format` says how to play them. */
export interface SpeechStream extends AsyncIterable<Buffer> {
  readonly format: PcmFormat;
}

export interface SavedFile {
  path: string;
  /** Bytes written to the file. */
  bytes: number;
}

/** `together.speech`: text to speech, whole, as a stream, or straight to a file. */
export class Speech {
  constructor(private readonly audio: AudioApi) {}

  /** The encoded audio (`response_format`, default wav) as one Buffer, byte for byte. */
  async create(request: AudioSpeechRequest, options?: RequestOptions): Promise<Buffer> {
    const response = await this.audio.audioSpeech(
      { audioSpeechRequest: unstreamed(request) },
      { ...toAxiosConfig(options), responseType: 'arraybuffer' },
    );
    return Buffer.isBuffer(response.data) ? response.data : Buffer.from(response.data as ArrayBuffer);
  }

  /**
   * The encoded audio as a Node Readable that is not buffered: pipe it or iterate it. It fails
   * with this package's errors (APIConnectionError, APITimeoutError, APIUserAbortError), and
   * destroying it releases the connection.
   */
  async createReadable(request: AudioSpeechRequest, options?: RequestOptions): Promise<Readable> {
    const response = await this.requestBody(unstreamed(request), options);
    return response.data;
  }

  /**
   * The encoded audio written to `path` as it arrives, never held whole in memory. The file is
   * opened before the request is sent, so an unwritable path fails first; on any failure the
   * partial file is removed.
   */
  async toFile(request: AudioSpeechRequest, path: string, options?: RequestOptions): Promise<SavedFile> {
    requirePath(path);
    unstreamed(request);
    const file = await openForWriting(path);
    try {
      const body = await this.createReadable(request, options);
      await pipeline(body, file);
    } catch (error) {
      file.destroy();
      await rm(path, { force: true });
      throw error;
    }
    return { path, bytes: file.bytesWritten };
  }

  /**
   * Streamed speech as PCM chunks (SSE with `stream: true`, which supports only `response_format:
   * 'raw'`). Nothing is sent until iteration starts; it can be iterated once. Breaking out of the
   * loop closes the connection.
   */
  stream(request: AudioSpeechRequest, options: SpeechStreamOptions = {}): SpeechStream {
    const streamed = streamedRequest(request);
    const format = pcmFormatForSpeech(streamed, options.pcmFormat);
    let started = false;
    return {
      format,
      [Symbol.asyncIterator]: () => {
        if (started) throw new TypeError('A speech stream can be iterated only once; call speech.stream() again for another.');
        started = true;
        return this.pcmChunks(streamed, options);
      },
    };
  }

  /**
   * Streamed speech as a WAV stream for pipes and sockets. The header is sent first, so its sizes
   * say "until the end of the stream"; use `toWavFile` for a file with exact sizes.
   */
  streamWav(request: AudioSpeechRequest, options?: SpeechStreamOptions): Readable {
    const speech = this.stream(request, options);
    return wavStream(speech, speech.format);
  }

  /**
   * Streamed speech written to a WAV file as it arrives; once the stream ends the header is
   * completed with the length actually received. On failure the partial file is removed.
   */
  async toWavFile(request: AudioSpeechRequest, path: string, options?: SpeechStreamOptions): Promise<SavedFile> {
    requirePath(path);
    const speech = this.stream(request, options);
    return writeWavFile(path, speech, speech.format);
  }

  private async *pcmChunks(request: AudioSpeechRequest, options: RequestOptions): AsyncGenerator<Buffer, void, undefined> {
    // The client has already refused a body that is not an event stream (see response-body.ts).
    const response = await this.requestBody(request, options);
    yield* decodeSpeechEvents(response.data, options.signal);
  }

  private requestBody(request: AudioSpeechRequest, options?: RequestOptions): Promise<AxiosResponse<Readable>> {
    return this.audio.audioSpeech(
      { audioSpeechRequest: request },
      { ...toAxiosConfig(options), responseType: 'stream' },
    ) as unknown as Promise<AxiosResponse<Readable>>;
  }
}

/** Checks the fields every speech request needs, before any I/O. */
export function validateSpeechRequest(request: AudioSpeechRequest): AudioSpeechRequest {
  if (typeof request !== 'object' || request === null) throw new TypeError('The speech request must be an object.');
  for (const field of ['model', 'input', 'voice'] as const) {
    const value: unknown = request[field];
    if (typeof value !== 'string' || value.trim() === '') {
      throw new TypeError(`The speech request needs "${field}" (a non-empty string); got ${value === undefined ? 'nothing' : JSON.stringify(value)}.`);
    }
  }
  return request;
}

function unstreamed(request: AudioSpeechRequest): AudioSpeechRequest {
  validateSpeechRequest(request);
  if (request.stream) {
    throw new TypeError('This method returns the whole encoded body; for stream: true use speech.stream(), streamWav() or toWavFile().');
  }
  return request;
}

function streamedRequest(request: AudioSpeechRequest): AudioSpeechRequest {
  validateSpeechRequest(request);
  const format = request.response_format ?? 'raw';
  if (format !== 'raw') {
    throw new TypeError(
      `Streamed speech supports only response_format "raw" (PCM); got ${JSON.stringify(format)}. ` +
        'Use speech.create() or toFile() for wav or mp3, or toWavFile()/streamWav() to wrap the streamed PCM in WAV.',
    );
  }
  return { ...request, response_format: 'raw', stream: true };
}

function openForWriting(path: string): Promise<WriteStream> {
  return new Promise((resolve, reject) => {
    const file = createWriteStream(path);
    file.once('error', reject);
    file.once('open', () => {
      file.off('error', reject);
      resolve(file);
    });
  });
}

function requirePath(path: string): void {
  if (typeof path !== 'string' || path === '') throw new TypeError('A file path (a non-empty string) is required.');
}
