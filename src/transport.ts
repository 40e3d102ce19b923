import axios, { AxiosHeaders, type AxiosAdapter, type InternalAxiosRequestConfig } from 'axios';
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
  return async (config: InternalAxiosRequestConfig) => {
    const send = axios.getAdapter(ADAPTERS, config);
    const form: unknown = config.data;
    if (platform.uploadTransport && !config.transport && (form instanceof MultipartForm || isStreamBody(form))) {
      config.transport = platform.uploadTransport(config.timeout);
    }
    if (!(form instanceof MultipartForm)) return send(config);
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
      return await send(config);
    } finally {
      config.data = form;
    }
  };
}
