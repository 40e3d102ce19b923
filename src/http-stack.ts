import axios, { type AxiosInstance } from 'axios';
import { AudioApi } from '../generated/api/audio-api';
import { VoicesApi } from '../generated/api/voices-api';
import type { Configuration } from '../generated/configuration';
import type { Redact } from './errors';
import type { Platform } from './platform';
import { prepareResponse, settleResponse, toTogetherErrorReadingBody } from './response-body';
import { installRetries } from './retry';
import type { RetryOptions } from './retry-settings';
import { hasHttpAdapter, transportFor } from './transport';

/** What the client settled at construction; the stack is built from it on the first request. */
export interface HttpStackSettings {
  baseURL: string;
  configuration: Configuration;
  headers: Record<string, string>;
  timeout: number;
  retries: RetryOptions;
  platform: Platform;
  redact: Redact;
}

/** The client's private axios instance, and the generated API classes bound to it. */
export interface HttpStack {
  axios: AxiosInstance;
  audio: AudioApi;
  voices: VoicesApi;
}

/**
 * The one request pipeline: the runtime's adapter, then the retries, then the mapping of the final
 * failure to a typed error. This module (with axios and the generated classes) is loaded on a
 * client's first request, not when the package is imported.
 */
export function createHttpStack(settings: HttpStackSettings): HttpStack {
  const { platform, redact } = settings;
  const instance = axios.create({
    headers: { ...settings.headers },
    timeout: settings.timeout,
    adapter: transportFor(platform),
    ...platform.axiosDefaults,
  });
  // Bodies arrive raw through axios's http adapter, decoded by the platform if it can; fetch decodes its own.
  const decodesCompressed = platform.decodeBody !== undefined || !hasHttpAdapter();
  installRetries(instance, settings.retries);
  // Registered after the retries, so that it maps only the final failure.
  instance.interceptors.request.use((config) => prepareResponse(config, decodesCompressed));
  instance.interceptors.response.use(
    (response) => settleResponse(response, platform, redact),
    async (error: unknown) => Promise.reject(await toTogetherErrorReadingBody(error, platform, redact)),
  );
  return {
    axios: instance,
    audio: new AudioApi(settings.configuration, settings.baseURL, instance),
    voices: new VoicesApi(settings.configuration, settings.baseURL, instance),
  };
}
