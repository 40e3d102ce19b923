import type { Readable } from 'node:stream';
import type {
  InputTextBufferAppendEvent,
  InputTextBufferClearEvent,
  InputTextBufferCommitEvent,
  RealtimeTtsModel,
  RealtimeTtsServerEvent,
  RealtimeTtsSession,
  RealtimeTtsSessionUpdate,
  TtsFailedEvent,
  TtsSessionCreatedEvent,
  TtsSessionUpdatedEvent,
} from '../../generated/models';
import { resolveApiKey, resolveBaseURL, type ConnectionOptions } from '../config';
import { wavStream, writeWavFile, type PcmFormat } from '../wav';
import { openSession, type NextOptions, type NextResult, type RealtimeConnection, type RealtimeEndpoint, type RealtimeSocketOptions } from './connection';
import { RealtimeProtocolError } from './errors';
import { describe, requireNonBlank } from './validation';

export const REALTIME_TTS_PATH = '/audio/speech/websocket';

/** The audio of every `conversation.item.audio_output.delta`: PCM s16le, 24 kHz, mono. */
export const REALTIME_TTS_PCM_FORMAT: PcmFormat = { encoding: 'pcm_s16le', sampleRate: 24000, channels: 1 };

/** How long `audio()` waits after the last item is done for another one before the turn counts as over. */
export const DEFAULT_SETTLE_MS = 1000;

/** The events a session yields: everything but `session.created` (see `session`) and `tts.failed` (thrown). */
export type RealtimeTtsEvent = Exclude<RealtimeTtsServerEvent, TtsSessionCreatedEvent | TtsFailedEvent>;

export interface RealtimeTTSSessionOptions extends RealtimeSocketOptions {
  model?: RealtimeTtsModel;
  /** Voice for the session (the server's default is `tara`); change it later with `updateSession`. */
  voice?: string;
  /** Characters of unterminated text after which the server starts synthesis anyway (server default 250). */
  maxPartialLength?: number;
}

export interface RealtimeTTSOptions extends ConnectionOptions, RealtimeTTSSessionOptions {}

export interface AudioOptions {
  /**
   * After a commit, once every item that started is done, how long to wait for a further item
   * before the turn counts as over (default 1000 ms). The protocol has no end-of-turn event: the
   * server reports `audio_output.done` per item and may split the text into several items.
   */
  settleMs?: number;
  /** Stops waiting for audio, rejecting with the signal's reason. */
  signal?: AbortSignal;
}

/** Text to speak: a string, or pieces of text as they arrive (e.g. an LLM's streamed output). */
export type SpeechText = string | Iterable<string> | AsyncIterable<string>;

/**
 * A realtime text-to-speech session on `/audio/speech/websocket`.
 *
 * ```ts
 * const tts = await RealtimeTTS.connect({ voice: 'tara' });
 * await tts.writeWav('hello.wav', 'Hello there. How are you?');
 * await tts.close();
 * ```
 */
export class RealtimeTTS implements AsyncIterable<RealtimeTtsEvent> {
  /** The session the server created (`session.created`). */
  readonly session: RealtimeTtsSession;
  readonly #connection: RealtimeConnection<RealtimeTtsServerEvent>;
  readonly #itemsInProgress = new Set<string>();
  #commitPending = false;
  #appendedThisTurn = false;
  #itemsDoneThisTurn = 0;

  /** Connects with `apiKey`/`baseURL` resolved as the HTTP client does (options, then TOGETHER_API_KEY/TOGETHER_BASE_URL). */
  static async connect(options: RealtimeTTSOptions = {}): Promise<RealtimeTTS> {
    const endpoint = { baseURL: resolveBaseURL(options), apiKey: resolveApiKey(options) };
    return RealtimeTTS.open(endpoint, options);
  }

  /** @internal Used by `connect` and by `TogetherAudio.realtime.tts`. */
  static async open(endpoint: RealtimeEndpoint, options: RealtimeTTSSessionOptions = {}): Promise<RealtimeTTS> {
    const { model, voice, maxPartialLength } = options;
    if (voice !== undefined) requireNonBlank(voice, 'voice');
    if (maxPartialLength !== undefined && !(Number.isInteger(maxPartialLength) && maxPartialLength > 0)) {
      throw new TypeError(`maxPartialLength must be a positive integer, got ${String(maxPartialLength)}.`);
    }
    const query = { model, voice, max_partial_length: maxPartialLength };
    const { connection, session } = await openSession<RealtimeTtsServerEvent, RealtimeTtsSession>(
      endpoint,
      REALTIME_TTS_PATH,
      query,
      { failedEventType: 'conversation.item.tts.failed' },
      options,
    );
    return new RealtimeTTS(connection, session);
  }

  private constructor(connection: RealtimeConnection<RealtimeTtsServerEvent>, session: RealtimeTtsSession) {
    this.#connection = connection;
    this.session = session;
  }

  /** Bytes queued on the socket but not yet sent. */
  get bufferedAmount(): number {
    return this.#connection.bufferedAmount;
  }

  /** Adds text to the server's buffer; it is spoken once it ends a sentence, grows past `maxPartialLength`, or is committed. */
  async append(text: string): Promise<void> {
    if (typeof text !== 'string' || text === '') {
      throw new TypeError(`RealtimeTTS.append needs a non-empty string of text, got ${describe(text)}.`);
    }
    const event: InputTextBufferAppendEvent = { type: 'input_text_buffer.append', text };
    // Whitespace alone yields no audio, so it must not make audio() wait for some.
    if (text.trim() !== '') this.#appendedThisTurn = true;
    await this.#connection.send(event);
  }

  /** Speaks whatever text is still buffered; ends the turn that `audio()` is reading. */
  async commit(): Promise<void> {
    const event: InputTextBufferCommitEvent = { type: 'input_text_buffer.commit' };
    this.#commitPending = true;
    this.#connection.wake(); // an audio() reader may be waiting for a turn that this commit ends
    await this.#connection.send(event);
  }

  /** Drops buffered text that the server has not started speaking. */
  async clear(): Promise<void> {
    const event: InputTextBufferClearEvent = { type: 'input_text_buffer.clear' };
    await this.#connection.send(event);
  }

  /** Changes the session's settings, such as the voice, for the text that follows. */
  async updateSession(session: RealtimeTtsSessionUpdate): Promise<void> {
    if (typeof session !== 'object' || session === null) throw new TypeError('RealtimeTTS.updateSession needs an object such as { voice }.');
    if (session.voice !== undefined) requireNonBlank(session.voice, 'voice');
    const event: TtsSessionUpdatedEvent = { type: 'tts_session.updated', session };
    await this.#connection.send(event);
  }

  /**
   * Every server event as it arrives; `conversation.item.tts.failed` is thrown as RealtimeError.
   * Ends when the server closes the session normally; an unexpected close throws RealtimeClosedError.
   */
  async *events(options: Pick<NextOptions, 'signal'> = {}): AsyncGenerator<RealtimeTtsEvent, void, undefined> {
    for (;;) {
      const result = await this.#next(options);
      if ('ended' in result) return;
      if ('event' in result) yield result.event;
    }
  }

  [Symbol.asyncIterator](): AsyncGenerator<RealtimeTtsEvent, void, undefined> {
    return this.events();
  }

  /**
   * The PCM (s16le, 24 kHz, mono) of every audio delta, decoded, until the current turn is over:
   * after `commit()`, every item that started is done and no new one starts within `settleMs`.
   * Without a commit it keeps yielding for as long as the session lasts.
   */
  async *audio(options: AudioOptions = {}): AsyncGenerator<Buffer, void, undefined> {
    const settleMs = settleMsOf(options);
    try {
      for (;;) {
        const idle = this.#commitPending && this.#itemsInProgress.size === 0;
        if (idle && !this.#appendedThisTurn) return;
        const mayEnd = idle && this.#itemsDoneThisTurn > 0;
        const result = await this.#next({ signal: options.signal, timeoutMs: mayEnd ? settleMs : undefined });
        if ('woken' in result) continue;
        if ('timedOut' in result) return;
        if ('ended' in result) throw this.#connection.closedError('before the audio was done');
        if (result.event.type === 'conversation.item.audio_output.delta') yield this.#decodeDelta(result.event.delta);
      }
    } finally {
      this.#commitPending = false;
      this.#appendedThisTurn = false;
      this.#itemsDoneThisTurn = 0;
    }
  }

  /**
   * Appends `text` (or each piece of it as it arrives), commits, and yields the PCM of the speech
   * while the text is still being sent. Empty pieces are skipped.
   */
  speak(text: SpeechText, options: AudioOptions = {}): AsyncGenerator<Buffer, void, undefined> {
    requireSpeechText(text);
    settleMsOf(options);
    return this.#speak(text, options);
  }

  /** Speaks `text` into a WAV file (PCM s16le, 24 kHz, mono); the partial file is removed on failure. */
  writeWav(path: string, text: SpeechText, options: AudioOptions = {}): Promise<{ path: string; bytes: number }> {
    return writeWavFile(path, this.speak(text, options), REALTIME_TTS_PCM_FORMAT);
  }

  /** Speaks `text` as a WAV stream, for a pipe or an HTTP response, whose header says "length unknown". */
  wavStream(text: SpeechText, options: AudioOptions = {}): Readable {
    return wavStream(this.speak(text, options), REALTIME_TTS_PCM_FORMAT);
  }

  /** Closes the session; resolves once the socket has closed. */
  close(): Promise<void> {
    return this.#connection.close();
  }

  async *#speak(text: SpeechText, options: AudioOptions): AsyncGenerator<Buffer, void, undefined> {
    // Audio is read while text is still being sent; a failure to send (or in the text source) stops the reading.
    const stop = new AbortController();
    const stopOnAbort = () => stop.abort(options.signal?.reason);
    if (options.signal?.aborted) stopOnAbort();
    options.signal?.addEventListener('abort', stopOnAbort, { once: true });
    const stopped = { value: false };
    void this.#feed(text, stopped).catch((error: unknown) => stop.abort(error));
    try {
      yield* this.audio({ ...options, signal: stop.signal });
    } finally {
      stopped.value = true;
      options.signal?.removeEventListener('abort', stopOnAbort);
    }
  }

  async #feed(text: SpeechText, stopped: { value: boolean }): Promise<void> {
    const pieces = typeof text === 'string' ? [text] : text;
    for await (const piece of pieces) {
      if (stopped.value) return;
      if (typeof piece !== 'string') throw new TypeError(`Text pieces must be strings, got ${describe(piece)}.`);
      if (piece !== '') await this.append(piece);
    }
    if (!stopped.value) await this.commit();
  }

  async #next(options: NextOptions): Promise<NextResult<RealtimeTtsEvent>> {
    const result = (await this.#connection.next(options)) as NextResult<RealtimeTtsEvent>;
    if ('event' in result) this.#observe(result.event);
    return result;
  }

  #observe(event: RealtimeTtsEvent): void {
    if (event.type === 'conversation.item.audio_output.delta') this.#itemsInProgress.add(event.item_id);
    if (event.type === 'conversation.item.audio_output.done' && this.#itemsInProgress.delete(event.item_id)) this.#itemsDoneThisTurn += 1;
  }

  #decodeDelta(delta: unknown): Buffer {
    if (typeof delta !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(delta)) {
      const error = new RealtimeProtocolError('The server sent an audio delta that is not base64.');
      this.#connection.fail(error);
      throw error;
    }
    return Buffer.from(delta, 'base64');
  }
}

function requireSpeechText(text: SpeechText): void {
  if (typeof text === 'string') {
    if (text.trim() === '') throw new TypeError('RealtimeTTS.speak needs text to speak, got an empty string.');
    return;
  }
  const iterable = text as Partial<Iterable<string> & AsyncIterable<string>> | null;
  if (typeof iterable?.[Symbol.asyncIterator] !== 'function' && typeof iterable?.[Symbol.iterator] !== 'function') {
    throw new TypeError(`RealtimeTTS.speak needs a string or an (async) iterable of strings, got ${describe(text)}.`);
  }
}

function settleMsOf(options: AudioOptions): number {
  const settleMs = options.settleMs ?? DEFAULT_SETTLE_MS;
  if (!Number.isFinite(settleMs) || settleMs < 0) throw new TypeError(`settleMs must be a non-negative number of milliseconds, got ${String(options.settleMs)}.`);
  return settleMs;
}
