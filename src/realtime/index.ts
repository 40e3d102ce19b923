import type { RealtimeEndpoint } from './connection';
import { RealtimeTranscription, type RealtimeTranscriptionSessionOptions } from './stt';
import { RealtimeTTS, type RealtimeTTSSessionOptions } from './tts';

/** How a realtime text-to-speech session class is opened (RealtimeTTS, or the Node entry's subclass). */
interface TtsClass<T extends RealtimeTTS> {
  open(endpoint: RealtimeEndpoint, options?: RealtimeTTSSessionOptions): Promise<T>;
}

/**
 * `together.realtime`: opens realtime sessions with the client's base URL and key. The key stays
 * in the client's closure; this object holds only functions. (In a browser or worker, open
 * sessions with `RealtimeTTS.connect` / `RealtimeTranscription.connect` instead, which keeps the
 * websocket code out of bundles that do not use it.)
 */
export class Realtime<TTS extends RealtimeTTS = RealtimeTTS> {
  /** Opens a realtime text-to-speech session (`/audio/speech/websocket`). */
  readonly tts: (options?: RealtimeTTSSessionOptions) => Promise<TTS>;
  /** Opens a realtime transcription session (`/realtime`). */
  readonly transcription: (options?: RealtimeTranscriptionSessionOptions) => Promise<RealtimeTranscription>;

  constructor(endpoint: RealtimeEndpoint, ttsClass: TtsClass<TTS> = RealtimeTTS as unknown as TtsClass<TTS>) {
    const { baseURL, apiKey } = endpoint;
    this.tts = (options) => ttsClass.open({ baseURL, apiKey }, options);
    this.transcription = (options) => RealtimeTranscription.open({ baseURL, apiKey }, options);
  }
}

export {
  DEFAULT_CLOSE_TIMEOUT_MS,
  DEFAULT_HANDSHAKE_TIMEOUT_MS,
  DEFAULT_HIGH_WATER_MARK,
  DEFAULT_MAX_QUEUED_BYTES,
  DEFAULT_PING_INTERVAL_MS,
  DEFAULT_PONG_TIMEOUT_MS,
  DEFAULT_SESSION_TIMEOUT_MS,
  realtimeURL,
  type RealtimeSocketOptions,
} from './connection';
export { RealtimeClosedError, RealtimeError, RealtimeKeepaliveError, RealtimeOverflowError, RealtimeProtocolError } from './errors';
export type { PlatformWebSocketConstructor, TransportOptions } from './transport';
export { MAX_TTS_CONTEXTS, REALTIME_TTS_PATH, RealtimeTTS, type ContextOptions, type RealtimeTTSOptions, type RealtimeTTSSessionOptions, type RealtimeTtsEvent } from './tts';
export { REALTIME_TTS_PCM_FORMAT, TTS_ALIGNMENTS, TTS_RESPONSE_FORMATS, TTS_SEGMENTS, type TtsAudioFormat, type TtsSettings } from './tts-settings';
export {
  DEFAULT_SETTLE_MS,
  DEFAULT_TURN_TIMEOUT_MS,
  SpeechTurn,
  type SpeakOptions,
  type SpeechPart,
  type SpeechText,
  type WordTimestamp,
} from './tts-turn';
export {
  DEFAULT_AUDIO_CHUNK_BYTES,
  DEFAULT_INPUT_AUDIO_FORMAT,
  DEFAULT_REALTIME_TRANSCRIPTION_MODEL,
  DEFAULT_REPLAY_BUFFER_BYTES,
  MAX_AUDIO_MESSAGE_BYTES,
  REALTIME_TRANSCRIPTION_PATH,
  RealtimeTranscription,
  type AppendStreamOptions,
  type GapEvent,
  type ReconnectedEvent,
  type ReconnectingEvent,
  type ReconnectOptions,
  type RealtimeTranscriptionEvent,
  type RealtimeTranscriptionOptions,
  type RealtimeTranscriptionSessionOptions,
  type TranscriptUpdate,
} from './stt';
export { validateTurnDetection } from './turn-detection';
export * as RealtimeProtocol from './protocol';
