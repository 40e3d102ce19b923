/**
 * The only place the CLI touches the library's facade, so that a renamed facade call is a
 * one-line change here. Calls used: `new TogetherAudio()`, `speech.createReadable`,
 * `speech.stream`, `transcriptions.create`, `translations.create`, `voices.list`,
 * `realtime.transcription`, and the client's `axios` instance (for upload progress).
 */
import {
  TogetherAudio,
  type AudioSpeechRequest,
  type AudioTranscriptionResponse,
  type AudioTranslationResponse,
  type ListVoicesResponse,
  type RealtimeTranscription,
  type RealtimeTranscriptionSessionOptions,
  type RequestOptions,
  type NodeSpeechStream,
  type TranscriptionCreateParams,
  type TranslationCreateParams,
} from '../index';
import type { Readable } from 'node:stream';
import { clientInternals } from '../client';

// Everything else the CLI needs from the library, re-exported so that it is imported in one place.
export {
  API_KEY_ENV,
  APIConnectionError,
  APIError,
  APIUserAbortError,
  AuthenticationError,
  MissingApiKeyError,
  PermissionDeniedError,
  RateLimitError,
  RealtimeError,
  RealtimeProtocolError,
  StreamError,
  UploadFileError,
  blockAlign,
  pcmFormatForSpeech,
  toSrt,
  toVtt,
  wavStream,
  writeWavFile,
  type AudioSpeechRequest,
  type AudioTranscriptionVerboseJsonResponse,
  type PcmFormat,
  type ResponseMeta,
  type TranslationCreateParams,
} from '../index';

export interface ApiOptions {
  /** Undefined: the library's own lookup, which fails naming TOGETHER_API_KEY. */
  apiKey?: string;
  /** Undefined: TOGETHER_BASE_URL, then Together's own host. */
  baseURL?: string;
  /** Milliseconds per attempt (and the longest silence of a streamed body). */
  timeout?: number;
}

export interface CallOptions extends RequestOptions {
  /** Bytes of the upload sent so far. */
  onUploadProgress?: (sentBytes: number) => void;
}

export class Api {
  readonly #client: TogetherAudio;
  #uploadProgress: ((sentBytes: number) => void) | undefined;
  /** Resolves once the client's HTTP stack is loaded with the upload-progress hook installed. */
  #progressHook: Promise<void> | undefined;

  constructor(options: ApiOptions) {
    this.#client = new TogetherAudio({ apiKey: options.apiKey, baseURL: options.baseURL, timeout: options.timeout });
  }

  speechReadable(request: AudioSpeechRequest, options?: RequestOptions): Promise<Readable> {
    return this.#client.speech.createReadable(request, options);
  }

  speechStream(request: AudioSpeechRequest, options?: RequestOptions): NodeSpeechStream {
    return this.#client.speech.stream(request, options);
  }

  transcribe(params: TranscriptionCreateParams, options: CallOptions = {}): Promise<AudioTranscriptionResponse> {
    return this.#withUploadProgress(options, (rest) => this.#client.transcriptions.create(params, rest));
  }

  translate(params: TranslationCreateParams, options: CallOptions = {}): Promise<AudioTranslationResponse> {
    return this.#withUploadProgress(options, (rest) => this.#client.translations.create(params, rest));
  }

  listVoices(options: RequestOptions = {}): Promise<ListVoicesResponse> {
    return this.#client.voices.list(options);
  }

  transcriptionSession(options: RealtimeTranscriptionSessionOptions): Promise<RealtimeTranscription> {
    return this.#client.realtime.transcription(options);
  }

  async #withUploadProgress<T>(options: CallOptions, call: (options: RequestOptions) => Promise<T>): Promise<T> {
    const { onUploadProgress, ...rest } = options;
    // The facade's RequestOptions has no upload progress; axios reports it per request (the CLI is
    // part of the package, so it may reach the client's axios instance).
    this.#progressHook ??= clientInternals(this.#client).then(({ axios }) => {
      axios.interceptors.request.use((config) => {
        const report = this.#uploadProgress;
        if (report) config.onUploadProgress = ({ loaded }) => report(loaded);
        return config;
      });
    });
    await this.#progressHook;
    this.#uploadProgress = onUploadProgress;
    try {
      return await call(rest);
    } finally {
      this.#uploadProgress = undefined;
    }
  }
}
