import type { RealtimeEndpoint } from './connection';
import { RealtimeTranscription, type RealtimeTranscriptionSessionOptions } from './stt';
import { RealtimeTTS, type RealtimeTTSSessionOptions } from './tts';

/**
 * `together.realtime`: opens realtime sessions with the client's base URL and key. The key stays
 * in the client's closure; this object holds only functions.
 */
export class Realtime {
  /** Opens a realtime text-to-speech session (`/audio/speech/websocket`). */
  readonly tts: (options?: RealtimeTTSSessionOptions) => Promise<RealtimeTTS>;
  /** Opens a realtime transcription session (`/realtime`). */
  readonly transcription: (options?: RealtimeTranscriptionSessionOptions) => Promise<RealtimeTranscription>;

  constructor(endpoint: RealtimeEndpoint) {
    const { baseURL, apiKey } = endpoint;
    this.tts = (options) => RealtimeTTS.open({ baseURL, apiKey }, options);
    this.transcription = (options) => RealtimeTranscription.open({ baseURL, apiKey }, options);
  }
}

export { DEFAULT_HIGH_WATER_MARK, realtimeURL, type RealtimeSocketOptions } from './connection';
export { RealtimeClosedError, RealtimeError, RealtimeProtocolError } from './errors';
export {
  DEFAULT_SETTLE_MS,
  REALTIME_TTS_PATH,
  REALTIME_TTS_PCM_FORMAT,
  RealtimeTTS,
  type AudioOptions,
  type RealtimeTTSOptions,
  type RealtimeTTSSessionOptions,
  type RealtimeTtsEvent,
  type SpeechText,
} from './tts';
export {
  DEFAULT_AUDIO_CHUNK_BYTES,
  DEFAULT_INPUT_AUDIO_FORMAT,
  DEFAULT_REALTIME_TRANSCRIPTION_MODEL,
  REALTIME_TRANSCRIPTION_PATH,
  RealtimeTranscription,
  type AppendStreamOptions,
  type RealtimeTranscriptionEvent,
  type RealtimeTranscriptionOptions,
  type RealtimeTranscriptionSessionOptions,
} from './stt';
export { validateTurnDetection } from './turn-detection';
