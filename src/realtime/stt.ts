import type {
  InputAudioBufferAppendEvent,
  InputAudioBufferCommitEvent,
  RealtimeInputAudioFormat,
  RealtimeSttServerEvent,
  RealtimeSttSession,
  ServerVadTurnDetection,
  SttSessionCreatedEvent,
  TranscriptionFailedEvent,
  TranscriptionSessionConfig,
  TranscriptionSessionUpdatedEvent,
} from '../../generated/models';
import { resolveApiKey, resolveBaseURL, type ConnectionOptions } from '../config';
import { openSession, type NextOptions, type RealtimeConnection, type RealtimeEndpoint, type RealtimeSocketOptions } from './connection';
import { validateTurnDetection } from './turn-detection';
import { describe, requireNonBlank } from './validation';

export const REALTIME_TRANSCRIPTION_PATH = '/realtime';
export const DEFAULT_REALTIME_TRANSCRIPTION_MODEL = 'openai/whisper-large-v3';
export const DEFAULT_INPUT_AUDIO_FORMAT: RealtimeInputAudioFormat = 'pcm_s16le_16000';

/** Bytes per `input_audio_buffer.append` when appending from a stream: one second of s16le at 16 kHz. */
export const DEFAULT_AUDIO_CHUNK_BYTES = 32000;

/** The events a session yields: everything but `session.created` (see `session`) and the failure (thrown). */
export type RealtimeTranscriptionEvent = Exclude<RealtimeSttServerEvent, SttSessionCreatedEvent | TranscriptionFailedEvent>;

export interface RealtimeTranscriptionSessionOptions extends RealtimeSocketOptions {
  /** The Whisper model (default `openai/whisper-large-v3`). */
  model?: string;
  /** Format of the appended audio; the API accepts only `pcm_s16le_16000` (16-bit PCM, 16 kHz, mono). */
  inputAudioFormat?: RealtimeInputAudioFormat;
  /**
   * Sent as `transcription_session.updated` right after `session.created`: server VAD settings, or
   * null to turn VAD off and commit turns by hand. Omitted: the server's default (VAD on).
   */
  turnDetection?: ServerVadTurnDetection | null;
}

export interface RealtimeTranscriptionOptions extends ConnectionOptions, RealtimeTranscriptionSessionOptions {}

export interface AppendStreamOptions {
  /** Bytes per append event (even, default 32000 = 1 s). */
  chunkBytes?: number;
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
  /** The session the server created (`session.created`). */
  readonly session: RealtimeSttSession;
  readonly #connection: RealtimeConnection<RealtimeSttServerEvent>;

  /** Connects with `apiKey`/`baseURL` resolved as the HTTP client does (options, then TOGETHER_API_KEY/TOGETHER_BASE_URL). */
  static async connect(options: RealtimeTranscriptionOptions = {}): Promise<RealtimeTranscription> {
    const endpoint = { baseURL: resolveBaseURL(options), apiKey: resolveApiKey(options) };
    return RealtimeTranscription.open(endpoint, options);
  }

  /** @internal Used by `connect` and by `TogetherAudio.realtime.transcription`. */
  static async open(endpoint: RealtimeEndpoint, options: RealtimeTranscriptionSessionOptions = {}): Promise<RealtimeTranscription> {
    const model = options.model ?? DEFAULT_REALTIME_TRANSCRIPTION_MODEL;
    const inputAudioFormat = options.inputAudioFormat ?? DEFAULT_INPUT_AUDIO_FORMAT;
    requireNonBlank(model, 'model');
    if (inputAudioFormat !== DEFAULT_INPUT_AUDIO_FORMAT) {
      throw new TypeError(`inputAudioFormat must be ${JSON.stringify(DEFAULT_INPUT_AUDIO_FORMAT)} (the only format the API accepts), got ${JSON.stringify(inputAudioFormat)}.`);
    }
    if (options.turnDetection !== undefined) validateTurnDetection(options.turnDetection);
    const { connection, session } = await openSession<RealtimeSttServerEvent, RealtimeSttSession>(
      endpoint,
      REALTIME_TRANSCRIPTION_PATH,
      { model, input_audio_format: inputAudioFormat },
      { failedEventType: 'conversation.item.input_audio_transcription.failed' },
      options,
    );
    const transcription = new RealtimeTranscription(connection, session);
    if (options.turnDetection !== undefined) {
      try {
        await transcription.updateSession({ turn_detection: options.turnDetection });
      } catch (error) {
        await transcription.close();
        throw error;
      }
    }
    return transcription;
  }

  private constructor(connection: RealtimeConnection<RealtimeSttServerEvent>, session: RealtimeSttSession) {
    this.#connection = connection;
    this.session = session;
  }

  /** Bytes queued on the socket but not yet sent. */
  get bufferedAmount(): number {
    return this.#connection.bufferedAmount;
  }

  /** Appends raw PCM (s16le, 16 kHz, mono): a Buffer or Uint8Array of whole 2-byte samples. */
  async appendAudio(audio: Uint8Array): Promise<void> {
    requirePcm(audio);
    await this.#sendAudio(audio);
  }

  /**
   * Appends all the raw PCM of a Readable (or any async iterable of bytes), in events of
   * `chunkBytes`, reading on only as fast as the socket drains. Resolves with the bytes appended.
   */
  async appendAudioStream(source: AsyncIterable<Uint8Array>, options: AppendStreamOptions = {}): Promise<number> {
    const chunkBytes = options.chunkBytes ?? DEFAULT_AUDIO_CHUNK_BYTES;
    if (!Number.isInteger(chunkBytes) || chunkBytes < 2 || chunkBytes % 2 !== 0) {
      throw new TypeError(`chunkBytes must be an even integer of at least 2, got ${String(options.chunkBytes)}.`);
    }
    if (typeof (source as Partial<AsyncIterable<Uint8Array>> | null)?.[Symbol.asyncIterator] !== 'function') {
      throw new TypeError(`appendAudioStream needs a Readable or an async iterable of PCM bytes, got ${describe(source)}.`);
    }
    let pending: Buffer = Buffer.alloc(0);
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
      pending = pending.length === 0 ? Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength) : Buffer.concat([pending, chunk]);
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
    const event: InputAudioBufferCommitEvent = { type: 'input_audio_buffer.commit' };
    await this.#connection.send(event);
  }

  /** Changes the session: `{ turn_detection: { type: 'server_vad', ... } }`, or `{ turn_detection: null }` for manual commits. */
  async updateSession(session: TranscriptionSessionConfig): Promise<void> {
    if (typeof session !== 'object' || session === null) {
      throw new TypeError('updateSession needs an object such as { turn_detection: null }.');
    }
    if (session.turn_detection !== undefined) validateTurnDetection(session.turn_detection);
    const event: TranscriptionSessionUpdatedEvent = { type: 'transcription_session.updated', session };
    await this.#connection.send(event);
  }

  /**
   * Every server event as it arrives; `conversation.item.input_audio_transcription.failed` is thrown
   * as RealtimeError. Ends when the server closes the session normally; an unexpected close throws
   * RealtimeClosedError.
   */
  async *events(options: Pick<NextOptions, 'signal'> = {}): AsyncGenerator<RealtimeTranscriptionEvent, void, undefined> {
    for (;;) {
      const result = await this.#connection.next(options);
      if ('ended' in result) return;
      if ('event' in result) yield result.event as RealtimeTranscriptionEvent;
    }
  }

  [Symbol.asyncIterator](): AsyncGenerator<RealtimeTranscriptionEvent, void, undefined> {
    return this.events();
  }

  /** The text of each completed transcription, in order. */
  async *transcripts(options: Pick<NextOptions, 'signal'> = {}): AsyncGenerator<string, void, undefined> {
    for await (const event of this.events(options)) {
      if (event.type === 'conversation.item.input_audio_transcription.completed') yield event.transcript;
    }
  }

  /** Closes the session; resolves once the socket has closed. */
  close(): Promise<void> {
    return this.#connection.close();
  }

  async #sendAudio(pcm: Uint8Array): Promise<void> {
    const event: InputAudioBufferAppendEvent = { type: 'input_audio_buffer.append', audio: Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength).toString('base64') };
    await this.#connection.send(event);
  }
}

function requirePcm(audio: unknown): asserts audio is Uint8Array {
  if (!(audio instanceof Uint8Array)) {
    throw new TypeError(`appendAudio needs raw PCM bytes (a Buffer or Uint8Array), got ${describe(audio)}; use appendAudioStream for a Readable.`);
  }
  if (audio.length === 0) throw new TypeError('appendAudio needs audio, got 0 bytes.');
  if (audio.length % 2 !== 0) throw new TypeError(`appendAudio needs whole 16-bit samples, got ${audio.length} bytes (an odd count).`);
  rejectContainer(audio);
}

const containerSignatures: Array<{ name: string; matches: (bytes: Uint8Array) => boolean }> = [
  { name: 'a WAV file', matches: (b) => ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 4) === 'WAVE' },
  // An MP3 without an ID3 tag starts with a frame sync that is also a plausible PCM sample, so only ID3 is checked.
  { name: 'an MP3 file', matches: (b) => ascii(b, 0, 3) === 'ID3' },
  { name: 'an Ogg file', matches: (b) => ascii(b, 0, 4) === 'OggS' },
  { name: 'a FLAC file', matches: (b) => ascii(b, 0, 4) === 'fLaC' },
  { name: 'an MP4/M4A file', matches: (b) => ascii(b, 4, 4) === 'ftyp' },
  { name: 'a WebM file', matches: (b) => b[0] === 0x1a && b[1] === 0x45 && b[2] === 0xdf && b[3] === 0xa3 },
];

/** Encoded or containerised audio would be read as noise; say so instead of sending it. */
function rejectContainer(bytes: Uint8Array): void {
  const container = containerSignatures.find((signature) => signature.matches(bytes));
  if (container) {
    throw new TypeError(
      `The audio looks like ${container.name}; realtime transcription takes raw PCM (pcm_s16le_16000: signed 16-bit little-endian, 16 kHz, mono). Decode it first (e.g. ffmpeg -f s16le -ar 16000 -ac 1).`,
    );
  }
}

function ascii(bytes: Uint8Array, start: number, length: number): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1', start, start + length);
}
