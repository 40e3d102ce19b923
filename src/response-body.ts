import { AxiosError, type AxiosResponse } from 'axios';
import type { ClientRequest } from 'node:http';
import { PassThrough, type Readable } from 'node:stream';
import { APIConnectionError, APITimeoutError, TogetherAudioError, toTogetherError, type Redact } from './errors';
import { isReadable } from './multipart';
import { ReplayableFormData } from './replayable-form';

/** How much of an error body is read to build the error message; the rest is dropped. */
export const MAX_ERROR_BODY_BYTES = 64 * 1024;
/** How long reading a streamed error body may take before the part read so far is used. */
const ERROR_BODY_READ_MS = 10_000;

/**
 * Reads the error body of a `responseType: 'stream'` request into a Buffer (at most
 * MAX_ERROR_BODY_BYTES, within a time bound), then destroys the stream so its socket is freed.
 * Never rejects: a body that breaks off yields what arrived.
 */
export function readErrorBody(body: Readable, timeoutMs = ERROR_BODY_READ_MS): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = () => {
      clearTimeout(timer);
      body.off('data', onData).off('end', finish).off('error', finish).off('close', finish);
      if (!body.destroyed) body.destroy();
      resolve(Buffer.concat(chunks).subarray(0, MAX_ERROR_BODY_BYTES));
    };
    const onData = (chunk: Buffer | string) => {
      const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
      chunks.push(bytes);
      size += bytes.length;
      if (size >= MAX_ERROR_BODY_BYTES) finish();
    };
    const timer = setTimeout(finish, timeoutMs);
    body.on('data', onData).once('end', finish).once('error', finish).once('close', finish);
  });
}

/**
 * Wraps the body of a successful `responseType: 'stream'` response:
 * - errors (a reset mid-body, an abort) reach the reader as typed errors, never as AxiosErrors,
 *   which would carry the request config and its Authorization header;
 * - axios's `timeout` stops counting once headers arrive, so a body that sends nothing for
 *   `idleTimeoutMs` fails with APITimeoutError (time the reader spends not reading does not count);
 * - destroying the wrapper (e.g. breaking out of `for await`) destroys the socket's stream.
 */
export function guardStreamedBody(source: Readable, idleTimeoutMs: number | undefined, redact?: Redact): Readable {
  const guarded = new PassThrough();
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    if (!idleTimeoutMs) return;
    clearTimeout(timer);
    // Unref'd: a body nobody reads any more must not keep the process alive by itself.
    timer = setTimeout(onIdle, idleTimeoutMs).unref();
  };
  const onIdle = () => {
    if (guarded.writableNeedDrain || source.isPaused()) return arm();
    guarded.destroy(new APITimeoutError(`The response body sent nothing for ${idleTimeoutMs} ms.`));
  };
  source.on('data', arm);
  source.once('end', () => clearTimeout(timer));
  source.once('error', (error) => guarded.destroy(bodyError(error, redact)));
  source.once('close', () => {
    if (!source.readableEnded && !guarded.destroyed) guarded.destroy(bodyError(source.errored ?? undefined, redact));
  });
  guarded.once('close', () => {
    clearTimeout(timer);
    if (!source.destroyed) source.destroy();
  });
  source.pipe(guarded);
  arm();
  return guarded;
}

function bodyError(error: Error | undefined, redact?: Redact): Error {
  const typed = toTogetherError(error, redact);
  if (typed instanceof TogetherAudioError) return typed;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return new APIConnectionError(
    `The connection broke off before the response body ended${error ? `: ${error.message}` : ''}.`,
    { code, cause: error },
  );
}

/**
 * Maps a failed axios request to a typed error, first reading a streamed error body (responseType
 * 'stream') so that its message can be shown.
 */
export async function toTogetherErrorReadingBody(error: unknown, redact?: Redact): Promise<unknown> {
  const response = (error as { response?: { data?: unknown; config?: { timeout?: number } } } | undefined)?.response;
  if (!(error instanceof AxiosError)) return toTogetherError(error, redact);
  // An upload that failed for good: close the files its form opened.
  if (error.config?.data instanceof ReplayableFormData) error.config.data.dispose();
  if (response && isReadable(response.data)) response.data = await readErrorBody(response.data as Readable);
  return toTogetherError(error, redact);
}

const guardedBodies = new WeakSet<Readable>();

/** guardStreamedBody for a response of the client's axios instance, applied once. */
export function guardResponse<T extends AxiosResponse>(response: T, redact?: Redact): T {
  const { data } = response;
  if (response.config.responseType === 'stream' && isReadable(data) && !guardedBodies.has(data as Readable)) {
    stopSocketTimeout(response.request as ClientRequest | undefined);
    const guarded = guardStreamedBody(data as Readable, response.config.timeout, redact);
    guardedBodies.add(guarded);
    response.data = guarded;
  }
  return response;
}

/**
 * axios sends most requests through follow-redirects, which enforces `timeout` by destroying the
 * socket after that long without traffic, and leaves that in place while the body streams: a reader
 * that pauses longer than the timeout would lose the connection. The body's own idle timer
 * (guardStreamedBody) replaces it, and it does not count time the reader spends not reading.
 */
function stopSocketTimeout(request: ClientRequest | undefined): void {
  const socket = request?.socket;
  if (!socket) return;
  socket.removeListener('timeout', socket.destroy);
  socket.setTimeout(0);
}
