import type { AxiosResponse, ResponseType } from 'axios';
import type { RequestOptions } from './request-options';
import { hasNullBody } from './response-body';
import { plainHeaders, responseMeta, type ResponseMeta } from './response-meta';

/** The response a facade call's data came from. */
export interface ResponseInfo extends ResponseMeta {
  status: number;
  /** Response headers, names lower-cased. */
  headers: Record<string, string>;
}

/** What `.withResponse()` resolves to. */
export interface WithResponse<T> {
  data: T;
  response: ResponseInfo;
}

/** Sends the call's request, asking axios for `responseType` (undefined: the call's own). */
export type Send = (responseType: ResponseType | undefined) => Promise<AxiosResponse>;

/**
 * What every facade method returns: await it for the data, or call `.withResponse()` for the data
 * with the status, headers, request id and rate limits, or `.asResponse()` for a web Response
 * whose body is left unread. The request is sent when one of them is first used, and validation
 * errors arrive as rejections like any other failure.
 */
export class APIPromise<T> extends Promise<T> {
  readonly #send: Send;
  readonly #parse: (response: AxiosResponse) => T | Promise<T>;
  readonly #onResponse: RequestOptions['onResponse'];
  #result: Promise<WithResponse<T>> | undefined;

  constructor(send: Send, parse: (response: AxiosResponse) => T | Promise<T>, options: RequestOptions = {}) {
    super((resolve) => resolve(undefined as T));
    this.#send = send;
    this.#parse = parse;
    this.#onResponse = options.onResponse;
  }

  // then/catch/finally of the base class would make instances of this class without a request.
  static override get [Symbol.species](): PromiseConstructor {
    return Promise;
  }

  // biome-ignore lint/suspicious/noThenProperty: this is a Promise, whose then() waits for the request.
  override then<R1 = T, R2 = never>(
    onfulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onrejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    return this.withResponse()
      .then(({ data }) => data)
      .then(onfulfilled, onrejected);
  }

  override catch<R = never>(onrejected?: ((reason: unknown) => R | PromiseLike<R>) | null): Promise<T | R> {
    return this.then(undefined, onrejected);
  }

  override finally(onfinally?: (() => void) | null): Promise<T> {
    return this.then().finally(onfinally);
  }

  /** The data, with the status, headers, request id and rate limits of the response it came from. */
  withResponse(): Promise<WithResponse<T>> {
    this.#result ??= this.#request(undefined).then(async (response) => ({ data: await this.#parse(response), response: infoOf(response) }));
    return this.#result;
  }

  /**
   * The response as a web Response whose body has not been read (use it instead of awaiting the
   * call): stream it, or read it as you like. An error status still rejects with the typed error.
   */
  async asResponse(): Promise<Response> {
    const response = await this.#request('stream');
    const info = infoOf(response);
    // The body of a 204 or 205 is an empty stream already released (see response-body.ts).
    const body = hasNullBody(info.status) ? null : (response.data as ReadableStream<Uint8Array>);
    return new Response(body, { status: info.status, headers: info.headers });
  }

  async #request(responseType: ResponseType | undefined): Promise<AxiosResponse> {
    const response = await this.#send(responseType);
    this.#onResponse?.(responseMeta(response));
    return response;
  }
}

function infoOf(response: AxiosResponse): ResponseInfo {
  return { status: response.status, headers: plainHeaders(response.headers), ...responseMeta(response) };
}
