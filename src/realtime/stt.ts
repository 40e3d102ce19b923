import type { RealtimeInputAudioFormat } from '../../generated/models';
import { resolveApiKey, resolveBaseURL, type ConnectionOptions } from '../config';
import { APIError, TogetherAudioError } from '../errors';
import { RealtimeConnection, socketSettings, type QueryValue, type RealtimeEndpoint, type RealtimeSocketOptions, type SocketSettings } from './connection';
import { ByteBudget, EventQueue, type NextOptions } from './event-queue';
import { RealtimeClosedError, RealtimeError } from './errors';
import type {
  InputAudioBufferAppendEvent,
  InputAudioBufferClearEvent,
  InputAudioBufferCommitEvent,
  RealtimeSttQuery,
  RealtimeSttServerEvent,
  RealtimeSttSession,
  ServerVadTurnDetection,
  TranscriptionCompletedEvent,
  TranscriptionDeltaEvent,
  TranscriptionFailedEvent,
  TranscriptionSessionConfig,
  TranscriptionSessionUpdatedEvent,
} from './protocol';
import { concatBytes, toBase64 } from './bytes';
import { ReplayBuffer } from './replay-buffer';
import { requirePcm, rejectContainer } from './pcm-input';
import type { SocketAuth } from './transport';
import { validateTurnDetection } from './turn-detection';
import { describe, requireNonBlank, showValue } from './validation';

export const REALTIME_TRANSCRIPTION_PATH = '/realtime';
export const DEFAULT_REALTIME_TRANSCRIPTION_MODEL = 'openai/whisper-large-v3';
export const DEFAULT_INPUT_AUDIO_FORMAT: RealtimeInputAudioFormat = 'pcm_s16le_16000';
const BYTES_PER_SECOND = 16000 * 2;

/** Bytes per `input_audio_buffer.append` when appending from a stream: 200 ms of s16le at 16 kHz, as live input wants. */
export const DEFAULT_AUDIO_CHUNK_BYTES = BYTES_PER_SECOND / 5;
/** The most audio one append message holds (one second); longer appends are split. */
export const MAX_AUDIO_MESSAGE_BYTES = BYTES_PER_SECOND;
/** Audio kept for a replay after a reconnect, by default: 30 s. */
export const DEFAULT_REPLAY_BUFFER_BYTES = 30 * BYTES_PER_SECOND;

/** The session announces a reconnect after the connection was lost (`error` says why). */
export interface ReconnectingEvent {
  type: 'reconnecting';
  attempt: number;
  error: Error;
}
/** The session is connected again and has sent the audio not yet transcribed once more. */
export interface ReconnectedEvent {
  type: 'reconnected';
  attempt: number;
  replayedBytes: number;
}
/** Audio that was not transcribed and no longer held for a replay (the replay buffer was full): it is lost. */
export interface GapEvent {
  type: 'gap';
  droppedBytes: number;
  droppedMs: number;
}

/**
 * The events a session yields: the server's (but `session.created`, see `session`, and fatal
 * failures, which are thrown), including per-utterance `failed` events, and the reconnect events.
 */
export type RealtimeTranscriptionEvent =
  | Exclude<RealtimeSttServerEvent, { type: 'session.created' } | { type: 'error' }>
  | ReconnectingEvent
  | ReconnectedEvent
  | GapEvent;

/** A transcript as it grows: `partial` replaces the item's earlier partial text; `final` is its transcript. */
export type TranscriptUpdate =
  | { type: 'partial'; itemId: string; text: string }
  | { type: 'final'; itemId: string; text: string }
  | { type: 'failed'; itemId: string | undefined; error: RealtimeError };

export interface ReconnectOptions {
  /** Attempts after a lost connection before the session fails (default 3). */
  maxAttempts?: number;
  /** Wait before the first attempt, doubled for each further one (default 250 ms). */
  initialDelayMs?: number;
  /** Longest wait between attempts (default 4000 ms). */
  maxDelayMs?: number;
  /** Bytes of audio not yet transcribed kept for a replay (default 30 s = 960 000 bytes). */
  replayBufferBytes?: number;
}

export interface RealtimeTranscriptionSessionOptions extends RealtimeSocketOptions {
  /** The Whisper model (default `openai/whisper-large-v3`). */
  model?: string;
  /** Format of the appended audio; the API accepts only `pcm_s16le_16000` (16-bit PCM, 16 kHz, mono). */
  inputAudioFormat?: RealtimeInputAudioFormat;
  /**
   * Server VAD settings, or null to turn VAD off and commit turns by hand; sent in the upgrade
   * query. Omitted: the server's default (VAD on). Change it later with `updateSession`.
   */
  turnDetection?: ServerVadTurnDetection | null;
  /** Language of the speech, e.g. `en` (sent as a session update once the session exists). */
  language?: string;
  /** Text that primes the recognizer: names, jargon, the previous transcript. */
  prompt?: string;
  /**
   * Opt-in: after a lost connection, reconnect and send the audio not yet transcribed again,
   * announcing `reconnecting`, `reconnected` and any `gap` as events.
   */
  reconnect?: boolean | ReconnectOptions;
}

export interface RealtimeTranscriptionOptions extends ConnectionOptions, RealtimeTranscriptionSessionOptions {}

export interface AppendStreamOptions {
  /** Bytes per append event (even, at most 32000 = 1 s; default 6400 = 200 ms). */
  chunkBytes?: number;
}

const sttAuth: SocketAuth = {
  headers: { 'OpenAI-Beta': 'realtime=v1' },
  browser: (url, apiKey) => {
    url.searchParams.set('intent', 'transcription');
    return ['realtime', `openai-insecure-api-key.${apiKey}`, 'openai-beta.realtime-v1'];
  },
};

interface Reconnect {
  maxAttempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
}

/**
 * A realtime transcription session on `/realtime`.
 *
 * ```ts
 * const stt = await RealtimeTranscription.connect({ turnDetection: null });
 * await stt.appendAudioStream(fs.createReadStream('speech.pcm'));
 * await stt.commit();
 * for await (const text of stt.transcripts()) { console.log(text); break; }
 * await stt.close();
 * ```
 */
export class RealtimeTranscription implements AsyncIterable<RealtimeTranscriptionEvent> {
  /** The session the server created (`session.created`); after a reconnect, the newest. */
  session: RealtimeSttSession;
  readonly #endpoint: RealtimeEndpoint;
  readonly #query: Record<string, QueryValue>;
  readonly #settings: SocketSettings;
  readonly #options: RealtimeTranscriptionSessionOptions;
  readonly #budget: ByteBudget;
  readonly #queue: EventQueue<RealtimeTranscriptionEvent>;
  readonly #partials = new Map<string, string>();
  readonly #replay: ReplayBuffer | undefined;
  readonly #reconnect: Reconnect | undefined;
  #connection: RealtimeConnection<RealtimeSttServerEvent> | undefined;
  #sessionConfig: TranscriptionSessionConfig;
  #manualCommits: boolean;
  /** Reconnect attempts since the server last transcribed something: a connection that drops at once does not reset them. */
  #attempts = 0;
  #replaying = false;
  #fatal = false;
  #closing = false;
  #failure: Error | undefined;

  /** Connects with `apiKey`/`baseURL` resolved as the HTTP client does (options, then TOGETHER_API_KEY/TOGETHER_BASE_URL). */
  static async connect(options: RealtimeTranscriptionOptions = {}): Promise<RealtimeTranscription> {
    const endpoint = { baseURL: resolveBaseURL(options, { websocket: true }), apiKey: resolveApiKey(options) };
    return RealtimeTranscription.open(endpoint, options);
  }

  /** @internal Used by `connect` and by `TogetherAudio.realtime.transcription`. */
  static async open(endpoint: RealtimeEndpoint, options: RealtimeTranscriptionSessionOptions = {}): Promise<RealtimeTranscription> {
    const model = options.model ?? DEFAULT_REALTIME_TRANSCRIPTION_MODEL;
    const inputAudioFormat = options.inputAudioFormat ?? DEFAULT_INPUT_AUDIO_FORMAT;
    requireNonBlank(model, 'model');
    if (inputAudioFormat !== DEFAULT_INPUT_AUDIO_FORMAT) {
      throw new TypeError(`inputAudioFormat must be ${JSON.stringify(DEFAULT_INPUT_AUDIO_FORMAT)} (the only format the API accepts), got ${showValue(inputAudioFormat)}.`);
    }
    if (options.turnDetection !== undefined) validateTurnDetection(options.turnDetection);
    const sessionConfig = validateSessionConfig({ language: options.language, prompt: options.prompt });
    const reconnect = reconnectOptions(options.reconnect);
    const replayBytes = typeof options.reconnect === 'object' ? options.reconnect.replayBufferBytes ?? DEFAULT_REPLAY_BUFFER_BYTES : DEFAULT_REPLAY_BUFFER_BYTES;
    if (reconnect && !(Number.isInteger(replayBytes) && replayBytes >= MAX_AUDIO_MESSAGE_BYTES)) {
      throw new TypeError(`reconnect.replayBufferBytes must be an integer of at least ${MAX_AUDIO_MESSAGE_BYTES}, got ${String(replayBytes)}.`);
    }
    const settings = socketSettings(options);
    const transcription = new RealtimeTranscription(endpoint, sttQuery(model, inputAudioFormat, options.turnDetection), settings, options, sessionConfig, reconnect, reconnect ? new ReplayBuffer(replayBytes) : undefined);
    await transcription.#open();
    return transcription;
  }

  private constructor(
    endpoint: RealtimeEndpoint,
    query: Record<string, QueryValue>,
    settings: SocketSettings,
    options: RealtimeTranscriptionSessionOptions,
    sessionConfig: TranscriptionSessionConfig,
    reconnect: Reconnect | undefined,
    replay: ReplayBuffer | undefined,
  ) {
    this.#endpoint = endpoint;
    this.#query = query;
    this.#settings = settings;
    this.#options = options;
    this.#sessionConfig = sessionConfig;
    this.#manualCommits = options.turnDetection === null;
    this.#reconnect = reconnect;
    this.#replay = replay;
    this.#budget = new ByteBudget(settings.maxQueuedBytes, (over) => this.#connection?.hold(over));
    this.#queue = new EventQueue(this.#budget);
    this.session = { id: '' };
  }

  /** Bytes queued on the socket but not yet sent. */
  get bufferedAmount(): number {
    return this.#connection?.bufferedAmount ?? 0;
  }

  /** The current partial text of each item not yet completed (each delta replaces the item's text). */
  get partials(): ReadonlyMap<string, string> {
    return this.#partials;
  }

  /** Appends raw PCM (s16le, 16 kHz, mono), in messages of at most one second. */
  async appendAudio(audio: Uint8Array): Promise<void> {
    requirePcm(audio);
    for (let offset = 0; offset < audio.length; offset += MAX_AUDIO_MESSAGE_BYTES) {
      await this.#sendAudio(audio.subarray(offset, offset + MAX_AUDIO_MESSAGE_BYTES));
    }
  }

  /**
   * Appends all the raw PCM of a Readable (or any async iterable of bytes), in events of
   * `chunkBytes`, reading on only as fast as the socket drains. Resolves with the bytes appended.
   */
  async appendAudioStream(source: AsyncIterable<Uint8Array>, options: AppendStreamOptions = {}): Promise<number> {
    const chunkBytes = options.chunkBytes ?? DEFAULT_AUDIO_CHUNK_BYTES;
    if (!Number.isInteger(chunkBytes) || chunkBytes < 2 || chunkBytes % 2 !== 0 || chunkBytes > MAX_AUDIO_MESSAGE_BYTES) {
      throw new TypeError(`chunkBytes must be an even integer from 2 to ${MAX_AUDIO_MESSAGE_BYTES} (one second), got ${String(options.chunkBytes)}.`);
    }
    if (typeof (source as Partial<AsyncIterable<Uint8Array>> | null)?.[Symbol.asyncIterator] !== 'function') {
      throw new TypeError(`appendAudioStream needs a Readable or an async iterable of PCM bytes, got ${describe(source)}.`);
    }
    let pending: Uint8Array = new Uint8Array(0);
    let total = 0;
    let first = true;
    for await (const chunk of source) {
      if (!(chunk instanceof Uint8Array)) {
        throw new TypeError(`appendAudioStream needs binary chunks (Buffer/Uint8Array), got ${describe(chunk)}; do not set an encoding on the stream.`);
      }
      if (first && chunk.length > 0) {
        rejectContainer(chunk);
        first = false;
      }
      pending = concatBytes(pending, chunk);
      while (pending.length >= chunkBytes) {
        await this.#sendAudio(pending.subarray(0, chunkBytes));
        total += chunkBytes;
        pending = pending.subarray(chunkBytes);
      }
    }
    if (pending.length % 2 !== 0) {
      throw new TypeError(`The audio stream ended with half a sample (${total + pending.length} bytes in all); s16le PCM has 2 bytes per sample.`);
    }
    if (pending.length > 0) {
      await this.#sendAudio(pending);
      total += pending.length;
    }
    return total;
  }

  /** Asks for the buffered audio to be transcribed; needed when VAD is off (`turn_detection: null`). */
  async commit(): Promise<void> {
    this.#throwIfFailed();
    this.#replay?.commit();
    const event: InputAudioBufferCommitEvent = { type: 'input_audio_buffer.commit' };
    if (this.#live()) await this.#connection!.send(event);
  }

  /** Drops the audio the server holds that is not yet transcribed (and the replay buffer's copy). */
  async clear(): Promise<void> {
    this.#throwIfFailed();
    this.#replay?.clear();
    const event: InputAudioBufferClearEvent = { type: 'input_audio_buffer.clear' };
    if (this.#live()) await this.#connection!.send(event);
  }

  /** Changes the session: `turn_detection` (server VAD settings, or null for manual commits), `language`, `prompt`. */
  async updateSession(session: TranscriptionSessionConfig): Promise<void> {
    const given = validateSessionConfig(session);
    if (session.turn_detection !== undefined) validateTurnDetection(session.turn_detection);
    this.#throwIfFailed();
    this.#sessionConfig = { ...this.#sessionConfig, ...given };
    if (session.turn_detection !== undefined) this.#manualCommits = session.turn_detection === null;
    const event: TranscriptionSessionUpdatedEvent = { type: 'transcription_session.updated', session };
    if (this.#live()) await this.#connection!.send(event);
  }

  /**
   * Every event as it arrives: the server's, per-utterance `failed` events, and `reconnecting` /
   * `reconnected` / `gap`. A fatal failure (a `failed` naming no item, or `error`) is thrown as
   * RealtimeError. Ends when the server closes the session normally; an unexpected close throws
   * RealtimeClosedError.
   */
  async *events(options: Pick<NextOptions, 'signal'> = {}): AsyncGenerator<RealtimeTranscriptionEvent, void, undefined> {
    for (;;) {
      const result = await this.#queue.next(options);
      if ('ended' in result) return;
      if ('event' in result) yield result.event;
    }
  }

  [Symbol.asyncIterator](): AsyncGenerator<RealtimeTranscriptionEvent, void, undefined> {
    return this.events();
  }

  /** The transcript of each item as it grows (`partial`, replacing earlier partial text) and when it is `final`. */
  async *updates(options: Pick<NextOptions, 'signal'> = {}): AsyncGenerator<TranscriptUpdate, void, undefined> {
    for await (const event of this.events(options)) {
      const update = updateOf(event);
      if (update) yield update;
    }
  }

  /** The text of each completed transcription, in order. */
  async *transcripts(options: Pick<NextOptions, 'signal'> = {}): AsyncGenerator<string, void, undefined> {
    for await (const event of this.events(options)) {
      if (event.type === 'conversation.item.input_audio_transcription.completed') yield event.transcript;
    }
  }

  /** Closes the session; settles within `closeTimeoutMs`, whatever the server or the readers do. */
  async close(): Promise<void> {
    this.#closing = true;
    await this.#connection?.close();
    this.#queue.end();
  }

  async #open(): Promise<void> {
    const { connection, session } = await RealtimeConnection.connect<RealtimeSttServerEvent, RealtimeSttSession>({
      endpoint: this.#endpoint,
      path: REALTIME_TRANSCRIPTION_PATH,
      query: this.#query,
      auth: sttAuth,
      settings: this.#settings,
      options: this.#options,
      budget: this.#budget,
    });
    if (Object.keys(this.#sessionConfig).length > 0) {
      const event: TranscriptionSessionUpdatedEvent = { type: 'transcription_session.updated', session: this.#sessionConfig };
      try {
        await connection.send(event);
      } catch (error) {
        // Not attached yet, so the end of this connection never reaches the session: the caller (connect, or a reconnect attempt) reports it.
        await connection.close();
        throw error;
      }
    }
    this.session = session;
    this.#connection = connection;
    connection.attach({ event: (event, bytes) => this.#route(event, bytes), end: (failure, info) => this.#end(connection, failure, info) });
  }

  #isClosing(): boolean {
    return this.#closing;
  }

  #live(): boolean {
    return !this.#replaying && this.#connection !== undefined && this.#connection.isOpen;
  }

  #throwIfFailed(): void {
    if (this.#failure) throw this.#failure;
    if (this.#closing) throw new TogetherAudioError('The realtime session is closed; open a new one.');
  }

  async #sendAudio(pcm: Uint8Array): Promise<void> {
    this.#throwIfFailed();
    // The replay buffer keeps its own copy: the caller may reuse its buffer.
    this.#replay?.append(Uint8Array.prototype.slice.call(pcm));
    if (this.#replay && !this.#live()) return; // sent by the replay once reconnected
    await this.#connection!.send(appendEvent(pcm));
  }

  #route(event: RealtimeSttServerEvent, bytes: number): void {
    switch (event.type) {
      case 'conversation.item.input_audio_transcription.delta':
        this.#attempts = 0;
        this.#partials.set(this.#itemKey(event), event.delta);
        break;
      case 'conversation.item.input_audio_transcription.completed':
        this.#attempts = 0;
        this.#partials.delete(this.#itemKey(event));
        this.#replay?.transcribed(this.#manualCommits);
        break;
      case 'conversation.item.input_audio_transcription.failed':
        if (event.item_id === undefined && event.event_type === undefined) return this.#fatalError(RealtimeError.fromEvent(event));
        this.#partials.delete(this.#itemKey(event));
        this.#replay?.transcribed(this.#manualCommits);
        break;
      case 'error':
        // Thrown to the reader; whether the session survives it shows in whether the server closes.
        return this.#queue.pushError(RealtimeError.fromEvent(event));
      default:
        break;
    }
    this.#queue.push(event as RealtimeTranscriptionEvent, bytes);
  }

  /** Items arrive one at a time; one the server does not name is keyed '' until its transcript. */
  #itemKey(event: { item_id?: string }): string {
    return event.item_id ?? '';
  }

  #fatalError(error: RealtimeError): void {
    this.#fatal = true;
    this.#failure ??= error;
    this.#queue.pushError(error);
  }

  #end(connection: RealtimeConnection<RealtimeSttServerEvent>, failure: Error | undefined, info: { code: number; reason: string; requested: boolean }): void {
    if (connection !== this.#connection) return;
    const { requested } = info;
    if (requested || this.#closing || this.#fatal || !this.#reconnect) {
      // Later sends are refused with what ended the session, never buffered for a replay that will not come.
      this.#failure ??= failure ?? (requested || this.#closing ? new TogetherAudioError('The realtime session is closed; open a new one.') : new RealtimeClosedError(info.code, info.reason, 'by the server'));
      this.#queue.end(this.#fatal ? undefined : failure);
      return;
    }
    void this.#reconnectAfter(failure ?? new RealtimeClosedError(info.code, info.reason, 'during the session'));
  }

  async #reconnectAfter(cause: Error): Promise<void> {
    const reconnect = this.#reconnect!;
    this.#connection = undefined;
    let lastError = cause;
    while (this.#attempts < reconnect.maxAttempts && !this.#closing) {
      const attempt = ++this.#attempts;
      this.#queue.push({ type: 'reconnecting', attempt, error: lastError }, 0);
      await delay(Math.min(reconnect.maxDelayMs, reconnect.initialDelayMs * 2 ** (attempt - 1)));
      if (this.#closing) return;
      try {
        await this.#open();
        // close() may have been called while connecting (TypeScript cannot see that across the await).
        if (this.#isClosing()) return void (await (this.#connection as RealtimeConnection<RealtimeSttServerEvent> | undefined)?.close());
        const replay = this.#replay!;
        if (replay.missingBytes > 0) {
          const droppedBytes = replay.missingBytes;
          this.#queue.push({ type: 'gap', droppedBytes, droppedMs: (droppedBytes * 1000) / BYTES_PER_SECOND }, 0);
          replay.skipMissing();
        }
        const replayedBytes = await this.#replayAudio();
        this.#queue.push({ type: 'reconnected', attempt, replayedBytes }, 0);
        return;
      } catch (error) {
        lastError = error instanceof Error ? error : new TogetherAudioError(String(error));
        // A refused upgrade (bad key, unknown model) will be refused again.
        if (lastError instanceof APIError && lastError.status < 500 && lastError.status !== 429) break;
      }
    }
    if (this.#closing) return;
    this.#failure = lastError;
    this.#queue.end(lastError);
  }

  /** Sends the replay buffer (audio not yet transcribed, and its commits) and whatever is appended meanwhile. */
  async #replayAudio(): Promise<number> {
    const connection = this.#connection!;
    const replay = this.#replay!;
    this.#replaying = true;
    let bytes = 0;
    try {
      for (let entry = replay.next(0); entry; entry = replay.next(entry.seq)) {
        if ('audio' in entry) {
          await connection.send(appendEvent(entry.audio));
          bytes += entry.audio.length;
        } else {
          const commit: InputAudioBufferCommitEvent = { type: 'input_audio_buffer.commit' };
          await connection.send(commit);
        }
      }
    } finally {
      this.#replaying = false;
    }
    return bytes;
  }
}

function appendEvent(pcm: Uint8Array): InputAudioBufferAppendEvent {
  return { type: 'input_audio_buffer.append', audio: toBase64(pcm) };
}

function updateOf(event: RealtimeTranscriptionEvent): TranscriptUpdate | undefined {
  switch (event.type) {
    case 'conversation.item.input_audio_transcription.delta':
      return { type: 'partial', itemId: event.item_id ?? '', text: event.delta };
    case 'conversation.item.input_audio_transcription.completed':
      return { type: 'final', itemId: event.item_id ?? '', text: event.transcript };
    case 'conversation.item.input_audio_transcription.failed':
      return { type: 'failed', itemId: event.item_id, error: RealtimeError.fromEvent(event) };
    default:
      return undefined;
  }
}

function sttQuery(model: string, inputAudioFormat: RealtimeInputAudioFormat, turnDetection: ServerVadTurnDetection | null | undefined): Record<string, QueryValue> {
  const query: RealtimeSttQuery = { model, input_audio_format: inputAudioFormat };
  if (turnDetection === null) query.turn_detection = 'none';
  else if (turnDetection !== undefined) Object.assign(query, turnDetection, { type: undefined, turn_detection: 'server_vad' });
  return query as unknown as Record<string, QueryValue>;
}

function validateSessionConfig(session: TranscriptionSessionConfig): TranscriptionSessionConfig {
  if (typeof session !== 'object' || session === null) throw new TypeError('updateSession needs an object such as { turn_detection: null }.');
  if (session.language !== undefined) requireNonBlank(session.language, 'language');
  if (session.prompt !== undefined && typeof session.prompt !== 'string') throw new TypeError(`prompt must be a string, got ${describe(session.prompt)}.`);
  const config: TranscriptionSessionConfig = {};
  for (const [key, value] of Object.entries(session)) if (value !== undefined) (config as Record<string, unknown>)[key] = value;
  return config;
}

function reconnectOptions(option: boolean | ReconnectOptions | undefined): Reconnect | undefined {
  if (option === undefined || option === false) return undefined;
  const given = option === true ? {} : option;
  if (typeof given !== 'object' || given === null) throw new TypeError(`reconnect must be true, false or an object of settings, got ${describe(option)}.`);
  const count = (name: keyof Reconnect, fallback: number, min: number) => {
    const value = given[name] ?? fallback;
    if (!Number.isFinite(value) || value < min) throw new TypeError(`reconnect.${name} must be a number of at least ${min}, got ${String(given[name])}.`);
    return value;
  };
  return { maxAttempts: count('maxAttempts', 3, 1), initialDelayMs: count('initialDelayMs', 250, 0), maxDelayMs: count('maxDelayMs', 4000, 0) };
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export type { TranscriptionCompletedEvent, TranscriptionDeltaEvent, TranscriptionFailedEvent };
