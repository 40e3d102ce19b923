import axios, { type AxiosInstance } from 'axios';
import { AudioApi } from '../generated/api/audio-api';
import type { BaseAPI } from '../generated/base';
import { Configuration } from '../generated/configuration';
import { resolveApiKey, resolveBaseURL, type ConnectionOptions } from './config';
import { redactor, TogetherAudioError } from './errors';
import { MultipartForm } from './multipart';
import { isBrowserPage, webPlatform, type Platform } from './platform';
import { optionalCount } from './validation';
import { prepareResponse, settleResponse, toTogetherErrorReadingBody } from './response-body';
import { DEFAULT_INITIAL_RETRY_DELAY, DEFAULT_MAX_RETRIES, DEFAULT_MAX_RETRY_DELAY, installRetries, type RetryEvent } from './retry';
import { Speech } from './speech';
import { Transcriptions, Translations } from './transcriptions';
import { transportFor } from './transport';
import { Voices } from './voices';
import { VoicesApi } from '../generated/api/voices-api';

export interface ClientOptions extends ConnectionOptions {
  /** Headers sent with every request (the Authorization header is always the client's own). */
  defaultHeaders?: Record<string, string>;
  /** Retries after the first attempt (default 2); 0 disables them. See the README for what is retried. */
  maxRetries?: number;
  /**
   * Milliseconds allowed per attempt until the response headers arrive (default 60 000); for a
   * streamed response, also the longest the body may go without sending a byte.
   */
  timeout?: number;
  /** First backoff wait in ms (default 500), doubled on each retry, with jitter. */
  initialRetryDelay?: number;
  /** Upper bound in ms on any single wait between attempts, including one asked for by Retry-After (default 60 000). */
  maxRetryDelay?: number;
  /** Called before each retry with the reason and the wait, e.g. to log it. */
  onRetry?: (event: RetryEvent) => void;
  /**
   * Lets the client run in a browser page. Off by default: the API key would be shipped to the
   * page, where anyone who opens it can read the key and spend your account. Turn it on only for a
   * key that is meant to be seen (a short-lived or tightly limited one, or a local tool).
   */
  dangerouslyAllowBrowser?: boolean;
}

export const DEFAULT_TIMEOUT = 60_000;

/**
 * The entry point: one Configuration and one private axios instance (never the global one),
 * shared by every generated API class. This is the runtime-neutral client (browsers, workers,
 * Deno, Bun); on Node the package's entry adds keep-alive agents, file paths, Node streams and
 * realtime sessions to it.
 */
export class TogetherAudio {
  /** What the runtime this class is for provides; the Node entry's subclass replaces it. */
  protected static platform: Platform = webPlatform;

  readonly baseURL: string;
  /** The voice catalogue: `voices.list()`. */
  readonly voices: Voices;
  /** Text to speech: whole, as a byte stream, or as streamed PCM. */
  readonly speech: Speech;
  /** Speech to text; results typed by response_format. */
  readonly transcriptions: Transcriptions;
  /** Speech to English text; results typed by response_format. */
  readonly translations: Translations;

  constructor(options: ClientOptions = {}) {
    if (isBrowserPage() && options.dangerouslyAllowBrowser !== true) {
      throw new TogetherAudioError(
        'This client is running in a browser page, where the API key would be visible to anyone who can open the page ' +
          '(and could be used to spend your account). Call Together from your server instead, or, if the key is meant ' +
          'to be seen (short-lived, tightly limited, or a local tool), pass { dangerouslyAllowBrowser: true }.',
      );
    }
    const platform = (new.target as typeof TogetherAudio).platform;
    this.baseURL = resolveBaseURL(options);
    const apiKey = resolveApiKey(options);
    const instance = axios.create({
      headers: { ...options.defaultHeaders },
      timeout: optionalCount(options, 'timeout', 1) ?? DEFAULT_TIMEOUT,
      adapter: transportFor(platform),
      ...platform.axiosDefaults,
    });
    installRetries(instance, {
      maxRetries: optionalCount(options, 'maxRetries', 0) ?? DEFAULT_MAX_RETRIES,
      initialRetryDelay: optionalCount(options, 'initialRetryDelay', 0) ?? DEFAULT_INITIAL_RETRY_DELAY,
      maxRetryDelay: optionalCount(options, 'maxRetryDelay', 0) ?? DEFAULT_MAX_RETRY_DELAY,
      onRetry: options.onRetry,
    });
    // Registered after the retries, so that it maps only the final failure.
    const redact = redactor(apiKey());
    instance.interceptors.request.use(prepareResponse);
    instance.interceptors.response.use(
      (response) => settleResponse(response, platform, redact),
      async (error: unknown) => Promise.reject(await toTogetherErrorReadingBody(error, platform, redact)),
    );
    const configuration = new Configuration({
      basePath: this.baseURL,
      accessToken: apiKey,
      formDataCtor: MultipartForm,
    });
    const audio = new AudioApi(configuration, this.baseURL, instance);
    const voices = new VoicesApi(configuration, this.baseURL, instance);
    internals.set(this, { axios: instance, configuration, audio, voices });
    this.voices = new Voices(voices);
    this.speech = new Speech(audio, platform);
    this.transcriptions = new Transcriptions(audio, platform);
    this.translations = new Translations(audio, platform);
  }

  /**
   * A generated API class bound to this client: its key, host, retries, timeouts and typed errors.
   * For operations the facade does not wrap, such as one a newer spec adds:
   * `together.api(AudioApi).someNewOperation()`. Its methods return the AxiosResponse.
   */
  api<T extends BaseAPI>(Api: new (configuration: Configuration, basePath: string, axios: AxiosInstance) => T): T {
    const { configuration, axios: instance } = clientInternals(this);
    return new Api(configuration, this.baseURL, instance);
  }
}

/** What a client is built on. Not public: the axios instance carries the retry and error-mapping order the client relies on. */
export interface ClientInternals {
  axios: AxiosInstance;
  configuration: Configuration;
  audio: AudioApi;
  voices: VoicesApi;
}

const internals = new WeakMap<TogetherAudio, ClientInternals>();

/** The generated classes and axios instance of a client, for this package's own tests and the Node entry. */
export function clientInternals(client: TogetherAudio): ClientInternals {
  const found = internals.get(client);
  if (!found) throw new TypeError('Not a TogetherAudio client.');
  return found;
}
