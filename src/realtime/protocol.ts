/**
 * The realtime wire protocol. The events are generated from the schemas openapi.overlay.yaml adds
 * (Together documents them only in prose); the upgrade queries are written here, because the
 * websocket operations are kept out of generation.
 */

import type * as Models from '../../generated/models';

// Aliases rather than `export type { … } from`: the declaration bundler turns a type re-exported
// inside the `RealtimeProtocol` namespace export into a value (`typeof X`), which does not compile.
export type AudioOutputDeltaEvent = Models.AudioOutputDeltaEvent;
export type AudioOutputDoneEvent = Models.AudioOutputDoneEvent;
export type ContextCancelEvent = Models.ContextCancelEvent;
export type ContextCancelledEvent = Models.ContextCancelledEvent;
export type ErrorDetail = Models.ErrorDetail;
export type InputAudioBufferAppendEvent = Models.InputAudioBufferAppendEvent;
export type InputAudioBufferClearEvent = Models.InputAudioBufferClearEvent;
export type InputAudioBufferCommitEvent = Models.InputAudioBufferCommitEvent;
export type InputTextBufferAppendEvent = Models.InputTextBufferAppendEvent;
export type InputTextBufferClearEvent = Models.InputTextBufferClearEvent;
export type InputTextBufferCommitEvent = Models.InputTextBufferCommitEvent;
export type InputTextReceivedEvent = Models.InputTextReceivedEvent;
export type RealtimeErrorEvent = Models.RealtimeErrorEvent;
export type RealtimeSttServerEvent = Models.RealtimeSttServerEvent;
export type RealtimeSttSession = Models.RealtimeSttSession;
export type RealtimeTtsServerEvent = Models.RealtimeTtsServerEvent;
export type RealtimeTtsSession = Models.RealtimeTtsSession;
export type RealtimeTtsSessionUpdate = Models.RealtimeTtsSessionUpdate;
export type ServerVadTurnDetection = Models.ServerVadTurnDetection;
export type SttSessionCreatedEvent = Models.SttSessionCreatedEvent;
export type TranscriptionCompletedEvent = Models.TranscriptionCompletedEvent;
export type TranscriptionDeltaEvent = Models.TranscriptionDeltaEvent;
export type TranscriptionFailedEvent = Models.TranscriptionFailedEvent;
export type TranscriptionSessionConfig = Models.TranscriptionSessionConfig;
export type TranscriptionSessionUpdatedEvent = Models.TranscriptionSessionUpdatedEvent;
export type TtsAlignment = Models.TtsAlignment;
export type TtsFailedEvent = Models.TtsFailedEvent;
export type TtsResponseFormat = Models.TtsResponseFormat;
export type TtsSegment = Models.TtsSegment;
export type TtsSessionCreatedEvent = Models.TtsSessionCreatedEvent;
export type TtsSessionUpdatedEvent = Models.TtsSessionUpdatedEvent;
export type WordTimestampsEvent = Models.WordTimestampsEvent;

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
