import type { RealtimeTtsModel } from '../../generated/models';
import { resolveApiKey, resolveBaseURL, type ConnectionOptions } from '../config';
import { TogetherAudioError } from '../errors';
import type { PcmFormat } from '../pcm-format';
import { RealtimeConnection, socketSettings, type RealtimeEndpoint, type RealtimeSocketOptions } from './connection';
import { ByteBudget, EventQueue, type NextOptions } from './event-queue';
import { RealtimeClosedError, RealtimeError } from './errors';
import type {
  ContextCancelEvent,
  InputTextBufferAppendEvent,
  InputTextBufferClearEvent,
  InputTextBufferCommitEvent,
  RealtimeTtsServerEvent,
  RealtimeTtsSession,
  RealtimeTtsSessionUpdate,
  TtsSessionCreatedEvent,
  TtsSessionUpdatedEvent,
} from './protocol';
import { audioFormatOf, ttsQuery, validateTtsSession, wireSettings, type TtsAudioFormat, type TtsSettings } from './tts-settings';
import { SpeechTurn, type SpeakOptions, type SpeechText, type TurnEvent, type TurnHost } from './tts-turn';
import type { SocketAuth } from './transport';
import { describe, requireNonBlank } from './validation';

export const REALTIME_TTS_PATH = '/audio/speech/websocket';
/** Contexts Together serves at once on one socket; further `speak()` calls wait for a free one. */
export const MAX_TTS_CONTEXTS = 100;

/** The events `events()` yields: everything but `session.created` (see `session`) and failures (thrown). */
export type RealtimeTtsEvent = Exclude<RealtimeTtsServerEvent, TtsSessionCreatedEvent | { type: 'error' } | { type: 'conversation.item.tts.failed' }>;

export interface RealtimeTTSSessionOptions extends RealtimeSocketOptions, TtsSettings {
  /** Any model the socket serves, e.g. `hexgrad/Kokoro-82M` (server default) or `canopylabs/orpheus-3b-0.1-ft`. */
  model?: RealtimeTtsModel | (string & {});
  /** Contexts in flight at once (default and maximum 100, Together's limit per socket). */
  maxContexts?: number;
}

export interface RealtimeTTSOptions extends ConnectionOptions, RealtimeTTSSessionOptions {}

/** Addresses a low-level call to one context (default: the server's `"default"` context). */
export interface ContextOptions {
  contextId?: string;
}

const TURN_EVENTS = new Set(['conversation.item.audio_output.delta', 'conversation.item.audio_output.done', 'conversation.item.word_timestamps', 'conversation.item.input_text.received']);
const FAILURE_EVENTS = new Set(['error', 'conversation.item.tts.failed']);
/** Contexts remembered as finished, so that their late events are dropped. */
const FINISHED_CONTEXTS_KEPT = 1000;

const ttsAuth: SocketAuth = {
  headers: {},
  browser: (url, apiKey) => {
    url.searchParams.set('api_key', apiKey);
    return [];
  },
};

/**
 * A realtime text-to-speech session on `/audio/speech/websocket`. Each `speak()` is a turn in its
 * own context; several may be in flight at once.
 *
 * ```ts
 * const tts = await RealtimeTTS.connect({ voice: 'tara' });
 * for await (const pcm of tts.speak('Hello there. How are you?')) play(pcm); // on Node also tts.writeWav(path, text)
 * await tts.close();
 * ```
 */
export class RealtimeTTS implements AsyncIterable<RealtimeTtsEvent> {
  /** The session the server created (`session.created`). */
  readonly session: RealtimeTtsSession;
  readonly #connection: RealtimeConnection<RealtimeTtsServerEvent>;
  readonly #budget: ByteBudget;
  readonly #general: EventQueue<RealtimeTtsEvent>;
  readonly #turns = new Map<string, { turn: SpeechTurn; queue: EventQueue<TurnEvent> }>();
  readonly #cancelling: string[] = [];
  readonly #finished = new Set<string>();
  readonly #maxContexts: number;
  readonly #slotWaiters: Array<() => void> = [];
  readonly #contextPrefix = `ctx_${Math.random().toString(36).slice(2, 10)}`;
  #contexts = 0;
  #slotsInUse = 0;
  /** Once the server has named a context in an event, events without one are never attributed by order. */
  #serverNamesContexts = false;
  #settings: RealtimeTtsSessionUpdate;
  #ended: Error | undefined;

  /** Connects with `apiKey`/`baseURL` resolved as the HTTP client does (options, then TOGETHER_API_KEY/TOGETHER_BASE_URL). */
  static async connect(options: RealtimeTTSOptions = {}): Promise<RealtimeTTS> {
    const endpoint = { baseURL: resolveBaseURL(options, { websocket: true }), apiKey: resolveApiKey(options) };
    // biome-ignore lint/complexity/noThisInStatic: `this` is the subclass when the Node entry's RealtimeTTS connects
    return this.open(endpoint, options);
  }

  /** @internal Used by `connect` and by `TogetherAudio.realtime.tts`. */
  static async open(endpoint: RealtimeEndpoint, options: RealtimeTTSSessionOptions = {}): Promise<RealtimeTTS> {
    const { model } = options;
    if (model !== undefined) requireNonBlank(model, 'model');
    const session = wireSettings(options);
    const maxContexts = options.maxContexts ?? MAX_TTS_CONTEXTS;
    if (!Number.isInteger(maxContexts) || maxContexts < 1 || maxContexts > MAX_TTS_CONTEXTS) {
      throw new TypeError(`maxContexts must be an integer from 1 to ${MAX_TTS_CONTEXTS}, got ${String(options.maxContexts)}.`);
    }
    const settings = socketSettings(options);
    let hold: ((over: boolean) => void) | undefined;
    const budget = new ByteBudget(settings.maxQueuedBytes, (over) => hold?.(over));
    const { connection, session: created } = await RealtimeConnection.connect<RealtimeTtsServerEvent, RealtimeTtsSession>({
      endpoint,
      path: REALTIME_TTS_PATH,
      query: ttsQuery(model, session),
      auth: ttsAuth,
      settings,
      options,
      budget,
    });
    hold = (over) => connection.hold(over);
    return new this(connection, created, budget, session, maxContexts);
  }

  protected constructor(connection: RealtimeConnection<RealtimeTtsServerEvent>, session: RealtimeTtsSession, budget: ByteBudget, settings: RealtimeTtsSessionUpdate, maxContexts: number) {
    this.#connection = connection;
    this.session = session;
    this.#budget = budget;
    this.#settings = settings;
    this.#maxContexts = maxContexts;
    this.#general = new EventQueue(budget);
    connection.attach({ event: (event, bytes) => this.#route(event, bytes), end: (failure, info) => this.#end(failure, info) });
  }

  /** Bytes queued on the socket but not yet sent. */
  get bufferedAmount(): number {
    return this.#connection.bufferedAmount;
  }

  /** The format of the audio of turns started now (follows response_format and sample_rate). */
  get format(): TtsAudioFormat {
    return audioFormatOf(this.#settings);
  }

  /**
   * Speaks `text` (a string, or pieces as they arrive) in a new context and returns the turn: iterate
   * it for the audio; `cancel()` it, abort `signal`, or leave the loop early to interrupt it.
   * Nothing is sent until the turn is read.
   */
  speak(text: SpeechText, options: SpeakOptions = {}): SpeechTurn {
    if (options.contextId !== undefined) requireNonBlank(options.contextId, 'contextId');
    const contextId = options.contextId ?? `${this.#contextPrefix}_${++this.#contexts}`;
    return new SpeechTurn(this.#host, contextId, this.format, text, options);
  }

  /** Adds text to a context's buffer; it is spoken once it ends a sentence, grows past `maxPartialLength`, or is committed. */
  async append(text: string, options: ContextOptions = {}): Promise<void> {
    if (typeof text !== 'string' || text === '') {
      throw new TypeError(`RealtimeTTS.append needs a non-empty string of text, got ${describe(text)}.`);
    }
    const event: InputTextBufferAppendEvent = { type: 'input_text_buffer.append', text, ...contextOf(options) };
    await this.#connection.send(event);
  }

  /** Speaks whatever text of the context is still buffered. */
  async commit(options: ContextOptions = {}): Promise<void> {
    const event: InputTextBufferCommitEvent = { type: 'input_text_buffer.commit', ...contextOf(options) };
    await this.#connection.send(event);
  }

  /** Drops the context's buffered text that the server has not started speaking. */
  async clear(options: ContextOptions = {}): Promise<void> {
    const event: InputTextBufferClearEvent = { type: 'input_text_buffer.clear', ...contextOf(options) };
    await this.#connection.send(event);
  }

  /** Stops a context: sends `context.cancel`; its later events are dropped. */
  async cancel(contextId: string): Promise<void> {
    requireNonBlank(contextId, 'contextId');
    const active = this.#turns.get(contextId);
    if (active) return active.turn.cancel();
    await this.#sendCancel(contextId);
  }

  /** Changes session settings (voice, speed, response_format, sample_rate, ...) for the text that follows. */
  async updateSession(session: RealtimeTtsSessionUpdate): Promise<void> {
    validateTtsSession(session);
    const event: TtsSessionUpdatedEvent = { type: 'tts_session.updated', session };
    await this.#connection.send(event);
    this.#settings = { ...this.#settings, ...session };
  }

  /**
   * Every server event that no `speak()` turn claims, as it arrives; `error` and
   * `conversation.item.tts.failed` are thrown as RealtimeError (the session goes on). Ends when
   * the server closes the session normally; an unexpected close throws RealtimeClosedError.
   */
  async *events(options: Pick<NextOptions, 'signal'> = {}): AsyncGenerator<RealtimeTtsEvent, void, undefined> {
    for (;;) {
      const result = await this.#general.next(options);
      if ('ended' in result) return;
      if ('event' in result) yield result.event;
    }
  }

  [Symbol.asyncIterator](): AsyncGenerator<RealtimeTtsEvent, void, undefined> {
    return this.events();
  }

  /** Closes the session; settles within `closeTimeoutMs`, whatever the server or the readers do. */
  close(): Promise<void> {
    return this.#connection.close();
  }

  /** The PCM format of the session's audio, for helpers that need raw PCM; a TypeError for encoded formats. */
  protected pcmFormat(method: string): PcmFormat {
    const { responseFormat, pcm } = this.format;
    if (!pcm) throw new TypeError(`${method} needs response_format "pcm", but the session's is ${JSON.stringify(responseFormat)}; save the ${responseFormat} stream as it comes (on Node, writeFile) instead.`);
    return pcm;
  }

  readonly #host: TurnHost = {
    newQueue: () => new EventQueue<TurnEvent>(this.#budget),
    begin: async (turn, queue, signal) => {
      await this.#takeSlot(signal);
      if (this.#ended || this.#turns.has(turn.contextId)) {
        this.#releaseSlot();
        throw this.#ended ?? new TogetherAudioError(`Context ${turn.contextId} already has a turn in flight.`);
      }
      this.#finished.delete(turn.contextId);
      this.#turns.set(turn.contextId, { turn, queue });
    },
    finish: async (turn, cancel) => {
      const { contextId } = turn;
      const active = this.#turns.get(contextId);
      if (active?.turn !== turn) return; // never begun, or refused: the context may be another turn's
      this.#turns.delete(contextId);
      active.queue.discard();
      active.queue.end();
      this.#releaseSlot();
      this.#remember(contextId);
      if (cancel) await this.#sendCancel(contextId).catch(() => undefined); // a closed socket has nothing left to cancel
    },
    feed: async (turn, text, stop) => {
      const { contextId } = turn;
      const pieces = typeof text === 'string' ? [text] : text;
      for await (const piece of pieces) {
        if (stop()) return;
        if (typeof piece !== 'string') throw new TypeError(`Text pieces must be strings, got ${describe(piece)}.`);
        if (piece === '') continue;
        turn.appended(piece);
        await this.append(piece, { contextId });
      }
      if (stop()) return;
      turn.committed();
      await this.commit({ contextId });
    },
  };

  async #sendCancel(contextId: string): Promise<void> {
    this.#cancelling.push(contextId);
    const event: ContextCancelEvent = { type: 'context.cancel', context_id: contextId };
    await this.#connection.send(event);
  }

  /** Waits for one of the `maxContexts` slots; taken synchronously, so concurrent turns cannot overbook. */
  #takeSlot(signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.reject(signal.reason);
    if (this.#slotsInUse < this.#maxContexts) {
      this.#slotsInUse += 1;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        const index = this.#slotWaiters.indexOf(take);
        if (index >= 0) this.#slotWaiters.splice(index, 1);
        reject(signal.reason);
      };
      const take = () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      };
      this.#slotWaiters.push(take);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Hands the slot to the next waiting turn, or frees it. */
  #releaseSlot(): void {
    const next = this.#slotWaiters.shift();
    if (next) next();
    else this.#slotsInUse -= 1;
  }

  #remember(contextId: string): void {
    this.#finished.add(contextId);
    if (this.#finished.size > FINISHED_CONTEXTS_KEPT) this.#finished.delete(this.#finished.values().next().value as string);
  }

  /**
   * Sends each event to the turn it belongs to: by `context_id` when the server names it; otherwise
   * to the oldest turn in flight, except while a cancel is unanswered, when it can only be late
   * audio of the cancelled context (the server answers `context.cancel` in order).
   */
  #route(event: RealtimeTtsServerEvent, bytes: number): void {
    const contextId = typeof (event as { context_id?: unknown }).context_id === 'string' ? (event as { context_id: string }).context_id : undefined;
    if (contextId !== undefined && TURN_EVENTS.has(event.type)) this.#serverNamesContexts = true;
    if (event.type === 'context.cancelled') {
      const index = contextId === undefined ? 0 : this.#cancelling.indexOf(contextId);
      if (index >= 0 && this.#cancelling.length > 0) {
        this.#cancelling.splice(index, 1);
        return;
      }
    }
    if (FAILURE_EVENTS.has(event.type)) {
      const error = RealtimeError.fromEvent(event as { type: string; error?: unknown });
      const owners = contextId !== undefined ? [this.#turns.get(contextId)].filter((owner) => owner !== undefined) : [...this.#turns.values()];
      if (contextId !== undefined && (this.#finished.has(contextId) || this.#cancelling.includes(contextId))) return;
      if (owners.length === 0) this.#general.pushError(error);
      for (const owner of owners) owner.queue.pushError(error);
      return;
    }
    if (contextId !== undefined) {
      if (this.#cancelling.includes(contextId) || this.#finished.has(contextId)) return;
      const owner = this.#turns.get(contextId);
      if (owner && TURN_EVENTS.has(event.type)) return owner.queue.push(event as TurnEvent, bytes);
    } else if (TURN_EVENTS.has(event.type) && !this.#serverNamesContexts) {
      if (this.#cancelling.length > 0) return;
      const oldest = this.#turns.values().next();
      if (!oldest.done) return oldest.value.queue.push(event as TurnEvent, bytes);
    }
    this.#general.push(event as RealtimeTtsEvent, bytes);
  }

  #end(failure: Error | undefined, info: { code: number; reason: string; requested: boolean }): void {
    const closed = new RealtimeClosedError(info.code, info.reason, 'before the audio was done');
    this.#ended = failure ?? (info.requested ? new TogetherAudioError('The realtime session is closed; open a new one.') : closed);
    for (const { queue } of this.#turns.values()) queue.end(failure ?? (info.requested ? undefined : closed));
    this.#general.end(failure);
    // Each waiter takes a slot, sees the end, and gives it back.
    for (const waiter of this.#slotWaiters.splice(0)) {
      this.#slotsInUse += 1;
      waiter();
    }
  }
}

function contextOf(options: ContextOptions): { context_id?: string } {
  if (options.contextId === undefined) return {};
  requireNonBlank(options.contextId, 'contextId');
  return { context_id: options.contextId };
}
