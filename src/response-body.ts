import { AxiosError, type AxiosResponse } from 'axios';
import { byteReader, concatBytes, isAsyncIterable, isNodeReadable, isWebReadableStream, type ByteSource } from './bytes';
import { APIConnectionError, APITimeoutError, TogetherAudioError, toTogetherError, userAbortError, type Redact } from './errors';
import { MultipartForm } from './multipart';

/** How much of an error body is read to build the error message; the rest is dropped. */
export const MAX_ERROR_BODY_BYTES = 64 * 1024;
/** How long reading a streamed error body may take before the part read so far is used. */
const ERROR_BODY_READ_MS = 10_000;

/**
 * Reads an error body that arrives as a stream (a web ReadableStream, a Node Readable such as an
 * IncomingMessage) into bytes: at most MAX_ERROR_BODY_BYTES, within a time bound, then releases the
 * stream so its connection is freed. Never rejects: a body that breaks off yields what arrived.
 * Used for HTTP responses and for refused websocket upgrades alike.
 */
export async function readErrorBody(body: ByteSource, timeoutMs = ERROR_BODY_READ_MS): Promise<Uint8Array> {
  const reader = byteReader(body);
  const chunks: Uint8Array[] = [];
  let size = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), timeoutMs);
  });
  try {
    while (size < MAX_ERROR_BODY_BYTES) {
      const chunk = await Promise.race([reader.read(), deadline]);
      if (chunk === undefined) break;
      chunks.push(chunk);
      size += chunk.length;
    }
  } catch {
    // A body cut short still tells the status; use what arrived.
  } finally {
    clearTimeout(timer);
    void reader.cancel();
  }
  return concatBytes(chunks).subarray(0, MAX_ERROR_BODY_BYTES);
}

/**
 * Wraps the body of a successful `responseType: 'stream'` response (a Node Readable from axios's
 * http adapter, a ReadableStream from its fetch adapter) as one web ReadableStream:
 * - errors (a reset mid-body, an abort) reach the reader as typed errors, never as AxiosErrors,
 *   which would carry the request config and its Authorization header;
 * - axios's `timeout` stops counting once headers arrive, so a body that sends nothing for
 *   `idleTimeoutMs` while the reader waits fails with APITimeoutError (time the reader spends not
 *   reading does not count: the stream pulls only when asked);
 * - cancelling it (e.g. breaking out of `for await`) releases the connection.
 */
export function guardStreamedBody(source: ByteSource, idleTimeoutMs: number | undefined, signal?: AbortSignal, redact?: Redact): ReadableStream<Uint8Array> {
  const reader = byteReader(source);
  let settled = false;
  let fail: (error: Error) => void = () => undefined;
  const onAbort = () => fail(userAbortError(signal));
  const stopWatching = () => {
    settled = true;
    signal?.removeEventListener('abort', onAbort);
  };
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        fail = (error) => {
          if (settled) return;
          stopWatching();
          controller.error(error);
          void reader.cancel(error);
        };
        if (signal?.aborted) onAbort();
        else signal?.addEventListener('abort', onAbort, { once: true });
      },
      pull(controller) {
        return new Promise<void>((resolve) => {
          const timer = idleTimeoutMs
            ? setTimeout(() => {
                fail(new APITimeoutError(`The response body sent nothing for ${idleTimeoutMs} ms.`));
                resolve();
              }, idleTimeoutMs)
            : undefined;
          // Unref'd where the runtime can: a body nobody reads any more must not keep the process alive by itself.
          (timer as { unref?: () => void } | undefined)?.unref?.();
          reader.read().then(
            (chunk) => {
              clearTimeout(timer);
              if (settled) return resolve();
              if (chunk === undefined) {
                stopWatching();
                controller.close();
              } else {
                controller.enqueue(chunk);
              }
              resolve();
            },
            (error: unknown) => {
              clearTimeout(timer);
              fail(signal?.aborted ? userAbortError(signal) : bodyError(error, redact));
              resolve();
            },
          );
        });
      },
      cancel(reason) {
        stopWatching();
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}

function bodyError(error: unknown, redact?: Redact): Error {
  const typed = toTogetherError(error, redact);
  if (typed instanceof TogetherAudioError) return typed;
  const code = (error as { code?: unknown } | undefined)?.code;
  const message = error instanceof Error ? error.message : '';
  return new APIConnectionError(`The connection broke off before the response body ended${message ? `: ${redact ? redact(message) : message}` : ''}.`, {
    code: typeof code === 'string' ? code : undefined,
    cause: error,
  });
}

/** Whether a response body is still a stream (not yet read). */
export function isStreamBody(data: unknown): data is ByteSource {
  return isWebReadableStream(data) || isNodeReadable(data) || (isAsyncIterable(data) && typeof data !== 'string');
}

/** Releases a body nobody will read (a failed attempt about to be retried), so its connection is freed. */
export function discardBody(data: unknown): void {
  if (isWebReadableStream(data)) void data.cancel().catch(() => undefined);
  else if (isNodeReadable(data)) data.destroy?.();
}

/**
 * Maps a failed axios request to a typed error, first reading a streamed error body (responseType
 * 'stream') so that its message can be shown.
 */
export async function toTogetherErrorReadingBody(error: unknown, redact?: Redact): Promise<unknown> {
  if (!(error instanceof AxiosError)) return toTogetherError(error, redact);
  // An upload that failed for good: close the files its form opened.
  if (error.config?.data instanceof MultipartForm) error.config.data.dispose();
  const response = error.response;
  if (response && isStreamBody(response.data)) response.data = await readErrorBody(response.data);
  return toTogetherError(error, redact);
}

const guardedBodies = new WeakSet<object>();

/** guardStreamedBody for a response of the client's axios instance, applied once. */
export function guardResponse<T extends AxiosResponse>(response: T, redact?: Redact): T {
  const { data } = response;
  if (response.config.responseType === 'stream' && isStreamBody(data) && !guardedBodies.has(data)) {
    stopSocketTimeout(response.request);
    const guarded = guardStreamedBody(data, response.config.timeout, response.config.signal as AbortSignal | undefined, redact);
    guardedBodies.add(guarded);
    response.data = guarded;
  }
  return response;
}

/**
 * On Node, axios sends most requests through follow-redirects, which enforces `timeout` by
 * destroying the socket after that long without traffic, and leaves that in place while the body
 * streams: a reader that pauses longer than the timeout would lose the connection. The body's own
 * idle timer (guardStreamedBody) replaces it. Elsewhere there is no such socket and nothing to do.
 */
function stopSocketTimeout(request: unknown): void {
  const socket = (request as { socket?: { removeListener?: (event: string, listener: unknown) => void; destroy?: unknown; setTimeout?: (ms: number) => void } } | undefined)?.socket;
  if (!socket?.setTimeout) return;
  socket.removeListener?.('timeout', socket.destroy);
  socket.setTimeout(0);
}
