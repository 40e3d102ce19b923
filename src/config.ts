import { readEnv } from './platform';
import { showValue } from './validation';

/** Options shared by the HTTP client and the realtime clients. */
export interface ConnectionOptions {
  /** API key; defaults to the `TOGETHER_API_KEY` environment variable. */
  apiKey?: string;
  /** API root such as `https://api.together.ai/v1`; defaults to `TOGETHER_BASE_URL`, then the spec's server. */
  baseURL?: string;
}

/**
 * The spec's server, which the generated code holds as BASE_PATH; kept here so that resolving it does
 * not load the generated base module (and axios). test/client-config.test.ts checks the two agree.
 */
export const DEFAULT_BASE_URL = 'https://api.together.ai/v1';

export const API_KEY_ENV = 'TOGETHER_API_KEY';
export const BASE_URL_ENV = 'TOGETHER_BASE_URL';

export class MissingApiKeyError extends Error {
  constructor() {
    super(`No API key: pass { apiKey } to the client or set the ${API_KEY_ENV} environment variable.`);
    this.name = 'MissingApiKeyError';
  }
}

/** The base URL from the options, the environment or the default; realtime clients also take ws(s). */
export function resolveBaseURL(options: ConnectionOptions = {}, { websocket = false } = {}): string {
  const url = options.baseURL ?? nonEmpty(readEnv(BASE_URL_ENV)) ?? DEFAULT_BASE_URL;
  const protocols = websocket ? ['http:', 'https:', 'ws:', 'wss:'] : ['http:', 'https:'];
  let protocol: string | undefined;
  try {
    protocol = new URL(url).protocol;
  } catch {
    // not absolute: refused below
  }
  if (protocol === undefined || !protocols.includes(protocol)) {
    throw new TypeError(`Invalid baseURL ${showValue(url)}: expected an absolute ${websocket ? 'http(s) or ws(s)' : 'http(s)'} URL.`);
  }
  return url.replace(/\/+$/, '');
}

/**
 * Returns a function that yields the API key. The key lives only in this closure, so it never
 * shows up as a property of a client or configuration object that an error or a log could print.
 * Throws MissingApiKeyError at once when no key is available.
 */
export function resolveApiKey(options: ConnectionOptions = {}): () => string {
  const key = nonEmpty(options.apiKey) ?? nonEmpty(readEnv(API_KEY_ENV));
  if (key === undefined) throw new MissingApiKeyError();
  return () => key;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}
