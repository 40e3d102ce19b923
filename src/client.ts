import type { AxiosInstance, AxiosRequestConfig } from 'axios';
import type { AudioApi } from '../generated/api/audio-api';
import type { BaseAPI } from '../generated/base';
import { Configuration } from '../generated/configuration';
import { resolveApiKey, resolveBaseURL, type ConnectionOptions } from './config';
import { redactor, TogetherAudioError } from './errors';
import type { HttpStack, HttpStackSettings } from './http-stack';
import { MultipartForm } from './multipart';
import { isBrowserPage, webPlatform, type Platform } from './platform';
import { DEFAULT_INITIAL_RETRY_DELAY, DEFAULT_MAX_RETRIES, DEFAULT_MAX_RETRY_DELAY, type RetryEvent } from './retry-settings';
import { Speech } from './speech';
import { Transcriptions, Translations } from './transcriptions';
import { optionalCount } from './validation';
import { Voices } from './voices';

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
 * The entry point: one Configuration and one private axios instance (never the global one, and
 * made on the first request), shared by every generated API class. This is the runtime-neutral client (browsers, workers,
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
    const configuration = new Configuration({ basePath: this.baseURL, accessToken: apiKey, formDataCtor: MultipartForm });
    const settings: HttpStackSettings = {
      baseURL: this.baseURL,
      configuration,
      headers: { ...options.defaultHeaders },
      timeout: optionalCount(options, 'timeout', 1) ?? DEFAULT_TIMEOUT,
      retries: {
        maxRetries: optionalCount(options, 'maxRetries', 0) ?? DEFAULT_MAX_RETRIES,
        initialRetryDelay: optionalCount(options, 'initialRetryDelay', 0) ?? DEFAULT_INITIAL_RETRY_DELAY,
        maxRetryDelay: optionalCount(options, 'maxRetryDelay', 0) ?? DEFAULT_MAX_RETRY_DELAY,
        onRetry: options.onRetry,
      },
      platform,
      redact: redactor(apiKey()),
    };
    // axios and the generated classes are most of a cold start: they load on the first request.
    let stack: Promise<HttpStack> | undefined;
    const load = () => (stack ??= import('./http-stack.js').then(({ createHttpStack }) => createHttpStack(settings)));
    internals.set(this, { configuration, load });
    this.voices = new Voices(async () => (await load()).voices);
    const audio = lazyAudio(this);
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
    const { configuration, load } = state(this);
    return new Api(
      configuration,
      this.baseURL,
      deferredAxios(async () => (await load()).axios),
    );
  }
}

/** What a client is built on. Not public: the axios instance carries the retry and error-mapping order the client relies on. */
export interface ClientInternals extends HttpStack {
  configuration: Configuration;
}

interface ClientState {
  configuration: Configuration;
  load: () => Promise<HttpStack>;
}

const internals = new WeakMap<TogetherAudio, ClientState>();

function state(client: TogetherAudio): ClientState {
  const found = internals.get(client);
  if (!found) throw new TypeError('Not a TogetherAudio client.');
  return found;
}

/** The generated classes and axios instance of a client (loading them), for this package's own tests, CLI and Node entry. */
export async function clientInternals(client: TogetherAudio): Promise<ClientInternals> {
  const { configuration, load } = state(client);
  return { ...(await load()), configuration };
}

/** A client's AudioApi, loaded on first use: what the facade's speech and transcription methods call. */
export function lazyAudio(client: TogetherAudio): () => Promise<AudioApi> {
  const { load } = state(client);
  return async () => (await load()).audio;
}

/**
 * Stands in for the client's axios instance in a generated class made before the first request:
 * the generated methods use only `request` and `defaults` (createRequestFunction in
 * generated/common.ts), and each request waits for the real instance.
 */
function deferredAxios(instance: () => Promise<AxiosInstance>): AxiosInstance {
  const deferred = { defaults: {}, request: async (config: AxiosRequestConfig) => (await instance()).request(config) };
  return deferred as unknown as AxiosInstance;
}
