import type { AxiosResponse } from 'axios';
import { APIPromise } from './api-promise';
import type { AudioApi } from '../generated/api/audio-api';
import type { AudioSpeechRequest } from '../generated/models';
import { toAxiosConfig, type RequestOptions } from './request-options';
import { decodeSpeechEvents } from './speech-stream';
import { pcmFormatForSpeech, type PcmFormat } from './pcm-format';
import type { Platform } from './platform';
import { responseMeta } from './response-meta';
import { showValue } from './validation';

/** Options of the streamed speech methods. */
export interface SpeechStreamOptions extends RequestOptions {
  /**
   * Corrects the PCM format derived from the request (see `pcmFormatForSpeech`), for a model whose
   * output the derivation does not know.
   */
  pcmFormat?: Partial<PcmFormat>;
}

/** Streamed speech: iterate it for PCM chunks as they arrive; `format` says how to play them. */
export interface SpeechStream extends AsyncIterable<Uint8Array> {
  readonly format: PcmFormat;
}

/** `together.speech`: text to speech, whole, as a byte stream, or as streamed PCM. */
export class Speech {
  constructor(
    private readonly audio: () => Promise<AudioApi>,
    private readonly platform: Platform,
  ) {}

  /**
   * The encoded audio (`response_format`, default wav) as one Uint8Array, byte for byte. For the
   * bytes as they arrive, use `.asResponse()` and read its body (a web ReadableStream that fails
   * with this package's errors; cancelling it releases the connection).
   */
  create(request: AudioSpeechRequest, options?: RequestOptions): APIPromise<Uint8Array> {
    return this.encoded(request, options, (bytes) => bytes);
  }

  /** `create`, with the bytes handed to `convert` (the Node entry makes them a Buffer). */
  protected encoded<T>(request: AudioSpeechRequest, options: RequestOptions | undefined, convert: (bytes: Uint8Array) => T): APIPromise<T> {
    return new APIPromise(
      async (responseType) =>
        (await this.audio()).audioSpeech(
          { audioSpeechRequest: unstreamed(request) },
          { ...toAxiosConfig(options), responseType: responseType ?? 'arraybuffer' },
        ),
      (response) => {
        const data: unknown = response.data;
        return convert(data instanceof Uint8Array ? data : new Uint8Array(data as ArrayBuffer));
      },
      options,
    );
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

  private async *pcmChunks(request: AudioSpeechRequest, options: RequestOptions): AsyncGenerator<Uint8Array, void, undefined> {
    const response = await this.requestBody(request, options);
    options.onResponse?.(responseMeta(response));
    // The client has already refused a body that is not an event stream (see response-body.ts).
    yield* decodeSpeechEvents(response.data, options.signal, this.platform.decodeBase64);
  }

  private async requestBody(request: AudioSpeechRequest, options?: RequestOptions): Promise<AxiosResponse<ReadableStream<Uint8Array>>> {
    return (await this.audio()).audioSpeech({ audioSpeechRequest: request }, { ...toAxiosConfig(options), responseType: 'stream' }) as unknown as Promise<
      AxiosResponse<ReadableStream<Uint8Array>>
    >;
  }
}

/** Checks the fields every speech request needs, before any I/O. */
export function validateSpeechRequest(request: AudioSpeechRequest): AudioSpeechRequest {
  if (typeof request !== 'object' || request === null) throw new TypeError('The speech request must be an object.');
  for (const field of ['model', 'input', 'voice'] as const) {
    const value: unknown = request[field];
    if (typeof value !== 'string' || value.trim() === '') {
      throw new TypeError(`The speech request needs "${field}" (a non-empty string); got ${value === undefined ? 'nothing' : showValue(value)}.`);
    }
  }
  return request;
}

export function unstreamed(request: AudioSpeechRequest): AudioSpeechRequest {
  validateSpeechRequest(request);
  if (request.stream) {
    throw new TypeError('This method returns the whole encoded body; for stream: true use speech.stream() (or, on Node, streamWav() or toWavFile()).');
  }
  return request;
}

function streamedRequest(request: AudioSpeechRequest): AudioSpeechRequest {
  validateSpeechRequest(request);
  const format = request.response_format ?? 'raw';
  if (format !== 'raw') {
    throw new TypeError(
      `Streamed speech supports only response_format "raw" (PCM); got ${showValue(format)}. ` +
        'Use speech.create() or toFile() for wav or mp3, or toWavFile()/streamWav() to wrap the streamed PCM in WAV.',
    );
  }
  return { ...request, response_format: 'raw', stream: true };
}
