import { APITimeoutError, TogetherAudioError } from '../errors';
import { fromBase64 } from './bytes';
import type { EventQueue, NextResult } from './event-queue';
import { RealtimeError, RealtimeProtocolError } from './errors';
import type { AudioOutputDeltaEvent, AudioOutputDoneEvent, InputTextReceivedEvent, WordTimestampsEvent } from './protocol';
import type { TtsAudioFormat } from './tts-settings';
import { describe } from './validation';

/** How long a turn waits, once every item it started is done, for another item before it is over. */
export const DEFAULT_SETTLE_MS = 300;
/** The longest a committed turn waits for its next event (Together's example gives up after 10 s). */
export const DEFAULT_TURN_TIMEOUT_MS = 10_000;

/** The events that belong to one turn (context). */
export type TurnEvent = AudioOutputDeltaEvent | AudioOutputDoneEvent | WordTimestampsEvent | InputTextReceivedEvent;

/** Text to speak: a string, or pieces of text as they arrive (e.g. an LLM's streamed output). */
export type SpeechText = string | Iterable<string> | AsyncIterable<string>;

export interface SpeakOptions {
  /**
   * After the text is committed and every item that started is done, how long to wait for a
   * further item before the turn counts as over (default 300 ms, as Together's own example). The
   * protocol has no end-of-turn event: the server reports `done` per item and may split the text
   * into several items.
   */
  settleMs?: number;
  /** After the commit, the longest wait for the turn's next event before APITimeoutError (default 10 000 ms). */
  turnTimeoutMs?: number;
  /** Aborting it cancels the turn (`context.cancel`) and rejects the reader with the signal's reason. */
  signal?: AbortSignal;
  /** The context to speak in (default: a new, unique one). */
  contextId?: string;
}

/** One word of the speech and when it is spoken, in seconds from the start of its item. */
export interface WordTimestamp {
  word: string;
  start: number;
  end: number;
  itemId: string;
}

export type SpeechPart = { type: 'audio'; audio: Buffer; itemId: string } | { type: 'words'; words: WordTimestamp[]; itemId: string };

/** What a turn needs from its session. */
export interface TurnHost {
  /** Waits for a free context (at most `maxContexts` in flight) and starts routing the context's events to `queue`. */
  begin(turn: SpeechTurn, queue: EventQueue<TurnEvent>, signal: AbortSignal): Promise<void>;
  /** Stops routing the turn's context, if the turn has it; `cancel` sends `context.cancel` and drops whatever the context still sends. */
  finish(turn: SpeechTurn, cancel: boolean): Promise<void>;
  /** Sends the turn's text and commits it, unless `stop()` says the turn is over. */
  feed(turn: SpeechTurn, text: SpeechText, stop: () => boolean): Promise<void>;
  newQueue(): EventQueue<TurnEvent>;
}

/**
 * One `speak()`: its own `context_id`, its audio and word timings. Iterate it for the audio
 * (Buffers), or `parts()` for audio and words; `cancel()` (or aborting the signal, or leaving the
 * loop early) sends `context.cancel`, and no audio of the context reaches any reader after that.
 */
export class SpeechTurn implements AsyncIterable<Buffer> {
  readonly contextId: string;
  /** The audio format of this turn's deltas (the session's, when the turn started). */
  readonly format: TtsAudioFormat;
  /** Word timings received so far (with `alignment: 'word'`). */
  readonly words: WordTimestamp[] = [];
  readonly #host: TurnHost;
  readonly #text: SpeechText;
  readonly #options: Required<Pick<SpeakOptions, 'settleMs' | 'turnTimeoutMs'>> & { signal?: AbortSignal };
  readonly #queue: EventQueue<TurnEvent>;
  readonly #itemsInProgress = new Set<string>();
  /** Items whose `done` has come: their late audio is still the turn's, but they are not waited on again. */
  readonly #itemsDone = new Set<string>();
  #started = false;
  #finished = false;
  #cancelled = false;
  #committed = false;
  #appended = false;
  #stopWaiting: (() => void) | undefined;

  /** @internal Created by `RealtimeTTS.speak`. */
  constructor(host: TurnHost, contextId: string, format: TtsAudioFormat, text: SpeechText, options: SpeakOptions) {
    requireSpeechText(text);
    this.#host = host;
    this.contextId = contextId;
    this.format = format;
    this.#text = text;
    this.#options = { settleMs: msOption(options, 'settleMs', DEFAULT_SETTLE_MS), turnTimeoutMs: msOption(options, 'turnTimeoutMs', DEFAULT_TURN_TIMEOUT_MS), signal: options.signal };
    this.#queue = host.newQueue();
  }

  [Symbol.asyncIterator](): AsyncGenerator<Buffer, void, undefined> {
    return this.audio();
  }

  /** The decoded audio of the turn, until it is over. */
  audio(): AsyncGenerator<Buffer, void, undefined> {
    return this.#read(true) as AsyncGenerator<Buffer, void, undefined>;
  }

  /** Audio and word timings in the order they arrive. A turn is read once. */
  parts(): AsyncGenerator<SpeechPart, void, undefined> {
    return this.#read(false) as AsyncGenerator<SpeechPart, void, undefined>;
  }

  /** One generator for both views, so that each delta passes through a single generator. */
  async *#read(audioOnly: boolean): AsyncGenerator<SpeechPart | Buffer, void, undefined> {
    if (this.#started) throw new TogetherAudioError('This speech turn is already being read; a turn is read once.');
    this.#started = true;
    if (this.#cancelled) return; // cancelled before it was read: nothing is sent
    const { signal } = this.#options;
    // Left early (a break, the signal, a local error): the server is still speaking, so cancel the context.
    let stillSpeaking = true;
    if (!(await this.#begin(signal))) return; // cancelled while it waited for a free context
    try {
      this.#startFeeding();
      for (;;) {
        const result = await this.#nextEvent();
        if (result === 'over') break;
        const part = this.#partOf(result);
        if (part) {
          if (!audioOnly) yield part;
          else if (part.type === 'audio') yield part.audio;
        }
      }
      stillSpeaking = false;
    } catch (error) {
      if (error instanceof RealtimeError) stillSpeaking = false; // the server failed the context itself
      throw error;
    } finally {
      this.#finished = true;
      await this.#host.finish(this, stillSpeaking && !this.#cancelled);
    }
  }

  /**
   * Waits for a free context; `cancel()` stops the wait too, so that a reader waiting behind a turn
   * that is itself waiting for this one cannot deadlock. False when cancelled meanwhile.
   */
  async #begin(signal: AbortSignal | undefined): Promise<boolean> {
    const wait = new AbortController();
    const follow = () => wait.abort(signal?.reason);
    if (signal?.aborted) follow();
    signal?.addEventListener('abort', follow, { once: true });
    this.#stopWaiting = () => wait.abort();
    try {
      await this.#host.begin(this, this.#queue, wait.signal);
      return true;
    } catch (error) {
      if (this.#cancelled) return false;
      throw error;
    } finally {
      signal?.removeEventListener('abort', follow);
      this.#stopWaiting = undefined;
    }
  }

  /** Stops the turn: sends `context.cancel`, drops its queued audio, and ends its reader. */
  async cancel(): Promise<void> {
    if (this.#cancelled || this.#finished) return;
    this.#cancelled = true;
    this.#stopWaiting?.();
    this.#queue.discard();
    this.#queue.end();
    await this.#host.finish(this, this.#started);
  }

  /** @internal The session marks the commit, so that the reader can tell when the turn may be over. */
  committed(): void {
    this.#committed = true;
    this.#queue.wake();
  }

  /** @internal */
  appended(text: string): void {
    // Whitespace alone yields no audio, so it must not make the turn wait for some.
    if (text.trim() !== '') this.#appended = true;
  }

  #startFeeding(): void {
    void this.#host.feed(this, this.#text, () => this.#finished || this.#cancelled).catch((error: unknown) => {
      this.#queue.pushError(error instanceof Error ? error : new TogetherAudioError(String(error)));
    });
  }

  async #nextEvent(): Promise<TurnEvent | 'over'> {
    const { settleMs, turnTimeoutMs, signal } = this.#options;
    for (;;) {
      const idle = this.#committed && this.#itemsInProgress.size === 0;
      if (idle && !this.#appended) return 'over';
      const settling = idle && this.#itemsDone.size > 0;
      const result: NextResult<TurnEvent> = await this.#queue.next({ signal, timeoutMs: !this.#committed ? undefined : settling ? settleMs : turnTimeoutMs });
      if ('woken' in result) continue;
      if ('timedOut' in result) {
        if (settling) return 'over';
        throw new APITimeoutError(`No speech arrived for ${turnTimeoutMs} ms after the text of context ${this.contextId} was committed.`);
      }
      if ('ended' in result) return 'over'; // cancelled; a closed session ends the queue with its error
      return result.event;
    }
  }

  #partOf(event: TurnEvent): SpeechPart | undefined {
    switch (event.type) {
      case 'conversation.item.audio_output.delta':
        if (!this.#itemsDone.has(event.item_id)) this.#itemsInProgress.add(event.item_id);
        return { type: 'audio', audio: decodeBase64(event.delta), itemId: event.item_id };
      case 'conversation.item.audio_output.done':
        if (this.#itemsInProgress.delete(event.item_id)) this.#itemsDone.add(event.item_id);
        return undefined;
      case 'conversation.item.word_timestamps': {
        const words = wordsOf(event);
        this.words.push(...words);
        return { type: 'words', words, itemId: event.item_id };
      }
      default:
        return undefined;
    }
  }
}

function decodeBase64(delta: unknown): Buffer {
  const audio = typeof delta === 'string' ? fromBase64(delta) : undefined;
  if (!audio) throw new RealtimeProtocolError('The server sent an audio delta that is not base64.');
  return audio;
}

function wordsOf(event: WordTimestampsEvent): WordTimestamp[] {
  const { words, start_seconds: starts, end_seconds: ends } = event;
  if (!Array.isArray(words) || !Array.isArray(starts) || !Array.isArray(ends) || starts.length !== words.length || ends.length !== words.length) {
    throw new RealtimeProtocolError('The server sent word timestamps whose words, start_seconds and end_seconds differ in length.');
  }
  return words.map((word, index) => ({ word, start: starts[index], end: ends[index], itemId: event.item_id }));
}

export function requireSpeechText(text: SpeechText): void {
  if (typeof text === 'string') {
    if (text.trim() === '') throw new TypeError('RealtimeTTS.speak needs text to speak, got an empty string.');
    return;
  }
  const iterable = text as Partial<Iterable<string> & AsyncIterable<string>> | null;
  if (typeof iterable?.[Symbol.asyncIterator] !== 'function' && typeof iterable?.[Symbol.iterator] !== 'function') {
    throw new TypeError(`RealtimeTTS.speak needs a string or an (async) iterable of strings, got ${describe(text)}.`);
  }
}

function msOption(options: SpeakOptions, name: 'settleMs' | 'turnTimeoutMs', fallback: number): number {
  const value = options[name] ?? fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new TypeError(`${name} must be a non-negative number of milliseconds, got ${String(options[name])}.`);
  return value;
}
