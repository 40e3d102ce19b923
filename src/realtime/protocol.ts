/**
 * The realtime wire protocol. The events are generated from the schemas openapi.overlay.yaml adds
 * (Together documents them only in prose); the upgrade queries are written here, because the
 * websocket operations are kept out of generation.
 */
import type { RealtimeTtsSessionUpdate } from '../../generated/models';

export type {
  AudioOutputDeltaEvent,
  AudioOutputDoneEvent,
  ContextCancelEvent,
  ContextCancelledEvent,
  ErrorDetail,
  InputAudioBufferAppendEvent,
  InputAudioBufferClearEvent,
  InputAudioBufferCommitEvent,
  InputTextBufferAppendEvent,
  InputTextBufferClearEvent,
  InputTextBufferCommitEvent,
  InputTextReceivedEvent,
  RealtimeErrorEvent,
  RealtimeSttServerEvent,
  RealtimeSttSession,
  RealtimeTtsServerEvent,
  RealtimeTtsSession,
  RealtimeTtsSessionUpdate,
  ServerVadTurnDetection,
  SttSessionCreatedEvent,
  TranscriptionCompletedEvent,
  TranscriptionDeltaEvent,
  TranscriptionFailedEvent,
  TranscriptionSessionConfig,
  TranscriptionSessionUpdatedEvent,
  TtsAlignment,
  TtsFailedEvent,
  TtsResponseFormat,
  TtsSegment,
  TtsSessionCreatedEvent,
  TtsSessionUpdatedEvent,
  WordTimestampsEvent,
} from '../../generated/models';

/** The upgrade query of `/audio/speech/websocket`. `api_key` only for clients that cannot set headers. */
export interface RealtimeTtsQuery extends Omit<RealtimeTtsSessionUpdate, 'extra_params'> {
  model?: string;
  extra_params?: string;
  api_key?: string;
}

/** The upgrade query of `/realtime`; VAD settings may be given here instead of by update. */
export interface RealtimeSttQuery {
  model: string;
  input_audio_format: 'pcm_s16le_16000';
  turn_detection?: 'server_vad' | 'none';
  threshold?: number;
  min_silence_duration_ms?: number;
  min_speech_duration_ms?: number;
  max_speech_duration_s?: number;
  speech_pad_ms?: number;
  /** Only with browser (subprotocol) auth. */
  intent?: 'transcription';
}
