import axios, { type AxiosInstance } from 'axios';
import http from 'node:http';
import https from 'node:https';
import { AudioApi } from '../generated/api/audio-api';
import { VoicesApi } from '../generated/api/voices-api';
import { Configuration } from '../generated/configuration';
import { resolveApiKey, resolveBaseURL, type ConnectionOptions } from './config';
import { toTogetherError } from './errors';
import { StreamingFormData } from './multipart';
import { Realtime } from './realtime';
import { Speech } from './speech';
import { Transcriptions, Translations } from './transcriptions';

const KEEP_ALIVE = { keepAlive: true, scheduling: 'lifo', timeout: 5000 } as const;

export interface ClientOptions extends ConnectionOptions {
  /** Headers sent with every request (the Authorization header is always the client's own). */
  defaultHeaders?: Record<string, string>;
}

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
  /** Generated client for /voices. */
  readonly voices: VoicesApi;
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
    });
    this.axios.interceptors.response.use(undefined, (error: unknown) => Promise.reject(toTogetherError(error)));
    this.configuration = new Configuration({
      basePath: this.baseURL,
      accessToken: apiKey,
      formDataCtor: StreamingFormData,
    });
    this.audio = new AudioApi(this.configuration, this.baseURL, this.axios);
    this.voices = new VoicesApi(this.configuration, this.baseURL, this.axios);
    this.realtime = new Realtime({ baseURL: this.baseURL, apiKey });
    this.speech = new Speech(this.audio);
    this.transcriptions = new Transcriptions(this.audio);
    this.translations = new Translations(this.audio);
  }
}
