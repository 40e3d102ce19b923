import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { byteReader, decodeBase64, type ByteReader } from './bytes';
import type { AudioSpeechStreamChunk } from '../generated/models';
import { APIUserAbortError, StreamError, toTogetherError, userAbortError } from './errors';

/** The `data` of the event that ends a speech stream. */
export const STREAM_DONE_SENTINEL = '[DONE]';
/** The most characters of one event held while waiting for its end. */
export const MAX_EVENT_CHARS = 16 * 1024 * 1024;

/**
 * Decodes the server-sent events of a streamed `/audio/speech` response into the PCM bytes they
 * carry, one Uint8Array per event, in order.
 *
 * Each event's data is JSON holding an `audio.tts.chunk`. The spec describes it wrapped as
 * `{"data": {object, model, b64}}` (AudioSpeechStreamEvent); the chunk is also accepted unwrapped at
 * the top level, since that is the other shape Together's servers and SDKs have used. The stream
 * must end with `data: [DONE]`: a malformed event, an `error` event, an event larger than
 * MAX_EVENT_CHARS, or a body that ends (or breaks off) before the sentinel raises StreamError. An
 * event with empty data (`data:`, a keep-alive) carries no audio and is skipped. Line ends may be
 * LF, CRLF or a lone CR; the parser is flushed when the body ends, so a last event is never lost.
 *
 * When iteration stops the socket is always released: after `[DONE]` the rest of the body is
 * drained so the keep-alive connection can be reused; on failure, or when the consumer breaks out
 * early, the body is destroyed. An aborted `signal` ends the stream with APIUserAbortError (as an
 * abort before the response does); any other failure of the body, a timeout included, is a
 * StreamError whose `cause` says what happened.
 */
export async function* decodeSpeechEvents(
  body: ReadableStream<Uint8Array>,
  signal?: AbortSignal,
  base64: (text: string) => Uint8Array | undefined = decodeBase64,
): AsyncGenerator<Uint8Array, void, undefined> {
  const decoded: Uint8Array[] = [];
  let sawDone = false;
  let failure: Error | undefined;
  const parser = createParser({
    maxBufferSize: MAX_EVENT_CHARS,
    onError(error) {
      if (error.type !== 'max-buffer-size-exceeded') return;
      failure ??= new StreamError(
        `A speech stream event is larger than ${MAX_EVENT_CHARS / 1024 / 1024} MiB, the most this client holds; the stream was closed.`,
      );
    },
    onEvent(event) {
      if (sawDone || failure || event.data.trim() === '') return;
      if (event.data === STREAM_DONE_SENTINEL) {
        sawDone = true;
        return;
      }
      try {
        decoded.push(pcmOf(event, base64));
      } catch (error) {
        failure = error as Error;
      }
    },
  });
  const text = new TextDecoder();
  let lastText = '';
  const reader = byteReader(body);
  let released = false;
  const abort = () => {
    released = true;
    void reader.cancel(userAbortError(signal));
  };
  signal?.addEventListener('abort', abort, { once: true });
  try {
    if (signal?.aborted) throw userAbortError(signal);
    for (let chunk = await reader.read(); chunk !== undefined; chunk = await reader.read()) {
      const piece = text.decode(chunk, { stream: true });
      parser.feed(piece);
      if (piece !== '') lastText = piece;
      while (decoded.length > 0) yield decoded.shift() as Uint8Array;
      if (failure) throw failure;
      if (sawDone) {
        // Not cancelled when the loop stops at [DONE]: the rest of the body is drained instead.
        released = await drainRest(reader);
        return;
      }
    }
    if (signal?.aborted) throw userAbortError(signal);
    const rest = text.decode();
    parser.feed(rest);
    // A lone CR at the very end might have been the first half of a CRLF, so the parser still
    // waits for the next character: the end of the body completes that line end, or the last
    // event (normally [DONE]) would be lost.
    if ((rest || lastText).endsWith('\r')) parser.feed('\n');
    while (decoded.length > 0) yield decoded.shift() as Uint8Array;
    if (failure) throw failure;
    if (!sawDone) throw new StreamError(`The speech stream ended without data: ${STREAM_DONE_SENTINEL}; the audio may be truncated.`);
    released = true;
  } catch (error) {
    if (signal?.aborted) throw userAbortError(signal);
    if (error instanceof StreamError || error instanceof APIUserAbortError) throw error;
    throw new StreamError(`The speech stream broke off before data: ${STREAM_DONE_SENTINEL}: ${(error as Error).message}`, {
      cause: toTogetherError(error),
    });
  } finally {
    signal?.removeEventListener('abort', abort);
    if (!released) await reader.cancel();
  }
}

/** How long to wait for the body to end after `[DONE]` before closing the connection. */
const DRAIN_AFTER_DONE_MS = 500;

/**
 * Reads and discards what follows `[DONE]` (normally only the end of the body), so that the
 * keep-alive socket goes back to the agent for the next request instead of being closed. A server
 * that holds the body open longer than DRAIN_AFTER_DONE_MS gets its connection closed. Resolves
 * whether the body ended by itself.
 */
async function drainRest(reader: ByteReader): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), DRAIN_AFTER_DONE_MS);
  });
  const ended = (async () => {
    while ((await reader.read()) !== undefined);
    return true;
  })().catch(() => false);
  try {
    return await Promise.race([ended, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function pcmOf(event: EventSourceMessage, base64: (text: string) => Uint8Array | undefined): Uint8Array {
  let payload: unknown;
  try {
    payload = JSON.parse(event.data);
  } catch {
    throw new StreamError(`Malformed speech stream event: data is not JSON: ${preview(event.data)}`);
  }
  const serverError = errorMessageOf(payload);
  if (serverError !== undefined) throw new StreamError(`The server reported an error mid-stream: ${serverError}`);
  const pcm = pcmOfChunk(payload, base64);
  if (pcm === undefined) {
    throw new StreamError(`Malformed speech stream event: no audio.tts.chunk with a base64 "b64" field: ${preview(event.data)}`);
  }
  return pcm;
}

/** The bytes of a chunk wrapped in `data` (as the spec describes) or at the top level. */
function pcmOfChunk(payload: unknown, base64: (text: string) => Uint8Array | undefined): Uint8Array | undefined {
  if (!isObject(payload)) return undefined;
  const chunk = (isObject(payload.data) ? payload.data : payload) as Partial<AudioSpeechStreamChunk>;
  return typeof chunk.b64 === 'string' ? base64(chunk.b64) : undefined;
}

function errorMessageOf(payload: unknown): string | undefined {
  if (!isObject(payload) || payload.error === undefined || payload.error === null) return undefined;
  const error = payload.error;
  if (typeof error === 'string') return error;
  if (isObject(error) && typeof error.message === 'string') return error.message;
  return JSON.stringify(error);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function preview(data: string): string {
  return JSON.stringify(data.length > 80 ? `${data.slice(0, 80)}…` : data);
}
