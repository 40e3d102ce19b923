import axios, { AxiosError, AxiosHeaders, type AxiosAdapter, type AxiosResponse, type InternalAxiosRequestConfig } from 'axios';
import { isWebReadableStream } from './bytes';
import { MultipartForm } from './multipart';
import type { Platform } from './platform';
import { isStreamBody } from './response-body';

/** axios's http adapter where Node's http exists (Node, Bun, Deno), its fetch adapter elsewhere (browsers, workers). */
const ADAPTERS = ['http', 'fetch'];

/**
 * The client's axios adapter: the runtime's own, with a multipart upload encoded for it on every
 * attempt (so a retry sends the form again in full): as one Blob when it holds no stream, else
 * streamed the way the runtime sends a streamed body.
 */
export function transportFor(platform: Platform): AxiosAdapter {
  // Asked once per client, not on every request: in a browser build, axios answers by throwing.
  const bodyOutlivesTimeout = !hasHttpAdapter();
  return async (config: InternalAxiosRequestConfig) => {
    const send = axios.getAdapter(ADAPTERS, config);
    const form: unknown = config.data;
    if (platform.uploadTransport && (form instanceof MultipartForm || isStreamBody(form))) {
      config.transport = platform.uploadTransport(config.timeout);
    }
    if (!(form instanceof MultipartForm)) return sendTimed(send, config, bodyOutlivesTimeout);
    const headers = AxiosHeaders.from(config.headers);
    headers.set('Content-Type', form.contentType);
    config.headers = headers;
    let data: unknown = form.toBlob();
    if (data === undefined) {
      data = await platform.streamBody(form.encode());
      const size = form.size;
      // A fetch body's length is the runtime's business (browsers refuse to be told it).
      if (size !== undefined && !isWebReadableStream(data) && !(data instanceof Blob)) headers.set('Content-Length', String(size));
    }
    // The encoded body stands in for the form only while this attempt is sent: the config that
    // comes back in a response or an error (and that a retry resends) holds the form again.
    config.data = data;
    try {
      return await sendTimed(send, config, bodyOutlivesTimeout);
    } finally {
      config.data = form;
    }
  };
}

/** Whether this runtime's axios has its http adapter (its browser build, used by bundlers for browsers and workers, has not). */
export function hasHttpAdapter(): boolean {
  try {
    axios.getAdapter('http');
    return true;
  } catch {
    return false;
  }
}

/**
 * axios's fetch adapter keeps its `timeout` running until the body has been read, so a streamed
 * response longer than the timeout (speech read over a minute) would be cut off. There the timeout
 * bounds only the wait for the headers, as on Node; the body's silences are bounded by the
 * response guard (response-body.ts). The http adapter needs nothing of this (`bodyOutlivesTimeout` false).
 */
async function sendTimed(send: AxiosAdapter, config: InternalAxiosRequestConfig, bodyOutlivesTimeout: boolean): Promise<AxiosResponse> {
  const { timeout, signal } = config;
  if (!timeout || !bodyOutlivesTimeout) return send(config);
  const headersDue = new AbortController();
  const forward = () => headersDue.abort((signal as AbortSignal).reason);
  const userSignal = signal as AbortSignal | undefined;
  if (userSignal?.aborted) forward();
  userSignal?.addEventListener('abort', forward, { once: true });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    headersDue.abort();
  }, timeout);
  config.timeout = 0;
  config.signal = headersDue.signal;
  try {
    return await send(config);
  } catch (error) {
    if (timedOut && !userSignal?.aborted) throw new AxiosError(`timeout of ${timeout}ms exceeded`, AxiosError.ETIMEDOUT, config);
    throw error;
  } finally {
    clearTimeout(timer);
    userSignal?.removeEventListener('abort', forward);
    // The caller's settings again, for the response guard, the error mapping and a retry.
    config.timeout = timeout;
    config.signal = signal;
  }
}
