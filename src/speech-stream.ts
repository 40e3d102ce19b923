import { createParser, type EventSourceMessage } from 'eventsource-parser';
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import type { AudioSpeechStreamChunk } from '../generated/models';
import { APIUserAbortError, StreamError, toTogetherError, userAbortError } from './errors';

/** The `data` of the event that ends a speech stream. */
export const STREAM_DONE_SENTINEL = '[DONE]';
/** The most characters of one event held while waiting for its end. */
export const MAX_EVENT_CHARS = 16 * 1024 * 1024;

/**
 * Decodes the server-sent events of a streamed `/audio/speech` response into the PCM bytes they
 * carry, one Buffer per event, in order.
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
export async function* decodeSpeechEvents(body: Readable, signal?: AbortSignal): AsyncGenerator<Buffer, void, undefined> {
  const decoded: Buffer[] = [];
  let sawDone = false;
  let failure: Error | undefined;
  const parser = createParser({
    maxBufferSize: MAX_EVENT_CHARS,
    onError(error) {
      if (error.type !== 'max-buffer-size-exceeded') return;
      failure ??= new StreamError(`A speech stream event is larger than ${MAX_EVENT_CHARS / 1024 / 1024} MiB, the most this client holds; the stream was closed.`);
    },
    onEvent(event) {
      if (sawDone || failure || event.data.trim() === '') return;
      if (event.data === STREAM_DONE_SENTINEL) {
        sawDone = true;
        return;
      }
      try {
        decoded.push(pcmOf(event));
      } catch (error) {
        failure = error as Error;
      }
    },
  });
  const text = new StringDecoder('utf8');
  let lastText = '';
  const abort = () => body.destroy(userAbortError(signal));
  signal?.addEventListener('abort', abort, { once: true });
  try {
    if (signal?.aborted) throw userAbortError(signal);
    // Not destroyed when the loop stops at [DONE]: the rest of the body is drained instead (below).
    for await (const chunk of body.iterator({ destroyOnReturn: false })) {
      const piece = text.write(chunk as Buffer);
      parser.feed(piece);
      if (piece !== '') lastText = piece;
      while (decoded.length > 0) yield decoded.shift() as Buffer;
      if (failure) throw failure;
      if (sawDone) {
        await drainRest(body);
        return;
      }
    }
    const rest = text.end();
    parser.feed(rest);
    // A lone CR at the very end might have been the first half of a CRLF, so the parser still
    // waits for the next character: the end of the body completes that line end, or the last
    // event (normally [DONE]) would be lost.
    if ((rest || lastText).endsWith('\r')) parser.feed('\n');
    while (decoded.length > 0) yield decoded.shift() as Buffer;
    if (failure) throw failure;
    if (!sawDone) throw new StreamError(`The speech stream ended without data: ${STREAM_DONE_SENTINEL}; the audio may be truncated.`);
  } catch (error) {
    if (signal?.aborted) throw userAbortError(signal);
    if (error instanceof StreamError || error instanceof APIUserAbortError) throw error;
    throw new StreamError(`The speech stream broke off before data: ${STREAM_DONE_SENTINEL}: ${(error as Error).message}`, {
      cause: toTogetherError(error),
    });
  } finally {
    signal?.removeEventListener('abort', abort);
    if (!body.destroyed) body.destroy();
  }
}

/** How long to wait for the body to end after `[DONE]` before closing the connection. */
const DRAIN_AFTER_DONE_MS = 500;

/**
 * Reads and discards what follows `[DONE]` (normally only the end of the body), so that the
 * keep-alive socket goes back to the agent for the next request instead of being closed. A server
 * that holds the body open longer than DRAIN_AFTER_DONE_MS gets its connection closed.
 */
function drainRest(body: Readable): Promise<void> {
  if (body.readableEnded || body.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const finish = () => {
      clearTimeout(timer);
      for (const event of ['end', 'error', 'close']) body.off(event, finish);
      resolve();
    };
    const timer = setTimeout(finish, DRAIN_AFTER_DONE_MS);
    for (const event of ['end', 'error', 'close']) body.on(event, finish);
    body.resume();
  });
}

function pcmOf(event: EventSourceMessage): Buffer {
  let payload: unknown;
  try {
    payload = JSON.parse(event.data);
  } catch {
    throw new StreamError(`Malformed speech stream event: data is not JSON: ${preview(event.data)}`);
  }
  const serverError = errorMessageOf(payload);
  if (serverError !== undefined) throw new StreamError(`The server reported an error mid-stream: ${serverError}`);
  const pcm = pcmOfChunk(payload);
  if (pcm === undefined) {
    throw new StreamError(`Malformed speech stream event: no audio.tts.chunk with a base64 "b64" field: ${preview(event.data)}`);
  }
  return pcm;
}

/** The bytes of a chunk wrapped in `data` (as the spec describes) or at the top level. */
function pcmOfChunk(payload: unknown): Buffer | undefined {
  if (!isObject(payload)) return undefined;
  const chunk = (isObject(payload.data) ? payload.data : payload) as Partial<AudioSpeechStreamChunk>;
  if (typeof chunk.b64 !== 'string') return undefined;
  const bytes = Buffer.from(chunk.b64, 'base64');
  // Node skips characters that are not base64 instead of failing, which shows as missing bytes
  // (checked this way rather than by a regex, which costs more than the decoding itself).
  const digits = chunk.b64.length - (chunk.b64.endsWith('==') ? 2 : chunk.b64.endsWith('=') ? 1 : 0);
  return bytes.length === Math.floor((digits * 3) / 4) ? bytes : undefined;
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

