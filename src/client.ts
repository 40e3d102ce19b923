import axios, { type AxiosInstance } from 'axios';
import http from 'node:http';
import https from 'node:https';
import { AudioApi } from '../generated/api/audio-api';
import { Configuration } from '../generated/configuration';
import { resolveApiKey, resolveBaseURL, type ConnectionOptions } from './config';
import { redactor } from './errors';
import { Realtime } from './realtime';
import { ReplayableFormData } from './replayable-form';
import { optionalCount } from './request-options';
import { isReadable } from './multipart';
import { prepareResponse, settleResponse, toTogetherErrorReadingBody } from './response-body';
import { reportResponse } from './response-meta';
import {
  DEFAULT_INITIAL_RETRY_DELAY,
  DEFAULT_MAX_RETRIES,
  DEFAULT_MAX_RETRY_DELAY,
  installRetries,
  type RetryEvent,
} from './retry';
import { Speech } from './speech';
import { Transcriptions, Translations } from './transcriptions';
import { uploadTransport } from './uploads';
import { Voices } from './voices';

const KEEP_ALIVE = { keepAlive: true, scheduling: 'lifo', timeout: 5000 } as const;

export interface ClientOptions extends ConnectionOptions {
  /** Headers sent with every request (the Authorization header is always the client's own). */
  defaultHeaders?: Record<string, string>;
  /** Retries after the first attempt (default 2); 0 disables them. See the README for what is retried. */
  maxRetries?: number;
  /**
   * Milliseconds allowed per attempt until the response headers arrive (default 60 000), then the
   * longest the body may go without sending a byte. For an upload it measures inactivity from the
   * start: the attempt fails only when no byte was sent or received for that long.
   */
  timeout?: number;
  /** First backoff wait in ms (default 500), doubled on each retry, with jitter. */
  initialRetryDelay?: number;
  /** Upper bound in ms on any single wait between attempts, including one asked for by Retry-After (default 60 000). */
  maxRetryDelay?: number;
  /** Called before each retry with the reason and the wait, e.g. to log it. */
  onRetry?: (event: RetryEvent) => void;
}

export const DEFAULT_TIMEOUT = 60_000;

/**
 * The entry point: one Configuration and one private axios instance (never the global one),
 * shared by every generated API class.
 */
export class TogetherAudio {
  readonly baseURL: string;
  readonly configuration: Configuration;
  readonly axios: AxiosInstance;
  /** Generated client for /audio/speech, /audio/transcriptions and /audio/translations. */
  readonly audio: AudioApi;
  /** GET /voices: `list()`, or the generated `fetchVoices()`. */
  readonly voices: Voices;
  /** Realtime websocket sessions: `realtime.tts()` and `realtime.transcription()`. */
  readonly realtime: Realtime;
  /** Text to speech: whole, streamed PCM, or straight to a (WAV) file. */
  readonly speech: Speech;
  /** Speech to text; results typed by response_format. */
  readonly transcriptions: Transcriptions;
  /** Speech to English text; results typed by response_format. */
  readonly translations: Translations;

  constructor(options: ClientOptions = {}) {
    this.baseURL = resolveBaseURL(options);
    const apiKey = resolveApiKey(options);
    this.axios = axios.create({
      headers: { ...options.defaultHeaders },
      // Reuse connections on every supported Node: the global agents only keep sockets alive from
      // Node 19 on. Same settings as those global agents (idle sockets closed after 5 s).
      httpAgent: new http.Agent(KEEP_ALIVE),
      httpsAgent: new https.Agent(KEEP_ALIVE),
      timeout: optionalCount(options, 'timeout', 1) ?? DEFAULT_TIMEOUT,
    });
    installRetries(this.axios, {
      maxRetries: optionalCount(options, 'maxRetries', 0) ?? DEFAULT_MAX_RETRIES,
      initialRetryDelay: optionalCount(options, 'initialRetryDelay', 0) ?? DEFAULT_INITIAL_RETRY_DELAY,
      maxRetryDelay: optionalCount(options, 'maxRetryDelay', 0) ?? DEFAULT_MAX_RETRY_DELAY,
      onRetry: options.onRetry,
    });
    this.axios.interceptors.request.use((config) => {
      if (isReadable(config.data) && !config.transport) config.transport = uploadTransport(config.timeout);
      return prepareResponse(config);
    });
    // Registered after the retries, so that it maps only the final failure.
    const redact = redactor(apiKey());
    this.axios.interceptors.response.use(
      (response) => {
        reportResponse(response);
        return settleResponse(response, redact);
      },
      async (error: unknown) => Promise.reject(await toTogetherErrorReadingBody(error, redact)),
    );
    this.configuration = new Configuration({
      basePath: this.baseURL,
      accessToken: apiKey,
      formDataCtor: ReplayableFormData,
    });
    this.audio = new AudioApi(this.configuration, this.baseURL, this.axios);
    this.voices = new Voices(this.configuration, this.baseURL, this.axios);
    this.realtime = new Realtime({ baseURL: this.baseURL, apiKey });
    this.speech = new Speech(this.audio);
    this.transcriptions = new Transcriptions(this.audio);
    this.translations = new Translations(this.audio);
  }
}
