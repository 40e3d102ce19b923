/**
 * Realtime wire events that openapi.yaml does not describe yet, or describes incompletely, written
 * by hand from Together's documentation (see docs/realtime.md for the sources). Each carries the
 * schema name it should have in the spec overlay; where a name already exists in generated/models,
 * this type is the superset that replaces it. Keep this the only module with hand-written wire
 * shapes, so that moving them into the overlay is one mechanical step.
 *
 *   changed (superset of the generated schema): ErrorDetail-bearing TtsFailedEvent,
 *     AudioOutputDeltaEvent, AudioOutputDoneEvent, InputTextReceivedEvent, RealtimeTtsSessionUpdate,
 *     TtsSessionUpdatedEvent, InputTextBufferAppendEvent, InputTextBufferCommitEvent,
 *     InputTextBufferClearEvent, TranscriptionDeltaEvent, TranscriptionCompletedEvent,
 *     TranscriptionFailedEvent, TranscriptionSessionConfig, TranscriptionSessionUpdatedEvent
 *   new: RealtimeErrorEvent, WordTimestampsEvent, ContextCancelEvent, ContextCancelledEvent,
 *     InputAudioBufferClearEvent, TtsResponseFormat, TtsAlignment, TtsSegment,
 *     RealtimeTtsQuery, RealtimeSttQuery
 */
import type * as Models from '../../generated/models';

// Aliases rather than `export type { … }`: the declaration bundler turns a re-exported type inside
// the `RealtimeProtocol` namespace export into a value (`typeof ErrorDetail`), which does not compile.
export type ErrorDetail = Models.ErrorDetail;
export type RealtimeSttSession = Models.RealtimeSttSession;
export type RealtimeTtsSession = Models.RealtimeTtsSession;
export type ServerVadTurnDetection = Models.ServerVadTurnDetection;

/** Every client message may name the TTS context it belongs to (default `"default"`, at most 100 per socket). */
interface InContext {
  context_id?: string;
}

// --- Text to speech: session settings -------------------------------------------------------

export type TtsResponseFormat = 'mp3' | 'opus' | 'aac' | 'flac' | 'wav' | 'pcm';
export type TtsAlignment = 'none' | 'word';
export type TtsSegment = 'sentence' | 'immediate' | 'never';

/** Settings of a TTS session: query parameters at connect, `session` of `tts_session.updated` later. */
export interface RealtimeTtsSessionUpdate {
  voice?: string;
  max_partial_length?: number;
  response_format?: TtsResponseFormat;
  speed?: number;
  sample_rate?: number;
  language?: string;
  alignment?: TtsAlignment;
  segment?: TtsSegment;
  /** Model-specific settings, e.g. `pronunciation_dict`; sent as JSON in the query. */
  extra_params?: Record<string, unknown>;
}

/** The upgrade query of `/audio/speech/websocket`. `api_key` only for clients that cannot set headers. */
export interface RealtimeTtsQuery extends Omit<RealtimeTtsSessionUpdate, 'extra_params'> {
  model?: string;
  extra_params?: string;
  api_key?: string;
}

// --- Text to speech: client events -----------------------------------------------------------

export interface InputTextBufferAppendEvent extends InContext {
  type: 'input_text_buffer.append';
  text: string;
}
export interface InputTextBufferCommitEvent extends InContext {
  type: 'input_text_buffer.commit';
}
/** Drops only text that is not yet being synthesized. */
export interface InputTextBufferClearEvent extends InContext {
  type: 'input_text_buffer.clear';
}
export interface TtsSessionUpdatedEvent extends InContext {
  type: 'tts_session.updated';
  session: RealtimeTtsSessionUpdate;
}
export interface ContextCancelEvent {
  type: 'context.cancel';
  context_id: string;
}

// --- Text to speech: server events -----------------------------------------------------------

export interface TtsSessionCreatedEvent {
  type: 'session.created';
  event_id?: string;
  session: RealtimeTtsSession;
}
export interface InputTextReceivedEvent extends InContext {
  type: 'conversation.item.input_text.received';
  text: string;
}
export interface AudioOutputDeltaEvent extends InContext {
  type: 'conversation.item.audio_output.delta';
  item_id: string;
  /** Base64 audio in the session's response_format (raw PCM s16le, 24 kHz, mono by default). */
  delta: string;
}
export interface AudioOutputDoneEvent extends InContext {
  type: 'conversation.item.audio_output.done';
  item_id: string;
}
/** With `alignment=word`: parallel arrays, times in seconds from the start of the item. */
export interface WordTimestampsEvent extends InContext {
  type: 'conversation.item.word_timestamps';
  item_id: string;
  words: string[];
  start_seconds: number[];
  end_seconds: number[];
}
export interface TtsFailedEvent extends InContext {
  type: 'conversation.item.tts.failed';
  error: ErrorDetail;
}
export interface ContextCancelledEvent {
  type: 'context.cancelled';
  context_id?: string;
}
/** Not in openapi.yaml, but sent by both endpoints and handled by every Together example. */
export interface RealtimeErrorEvent extends InContext {
  type: 'error';
  error: ErrorDetail;
  item_id?: string;
}

export type RealtimeTtsServerEvent =
  | TtsSessionCreatedEvent
  | InputTextReceivedEvent
  | AudioOutputDeltaEvent
  | AudioOutputDoneEvent
  | WordTimestampsEvent
  | TtsFailedEvent
  | ContextCancelledEvent
  | RealtimeErrorEvent;

// --- Speech to text --------------------------------------------------------------------------

/** Session settings of a transcription session, sent with `transcription_session.updated`. */
export interface TranscriptionSessionConfig {
  /** Voice activity detection settings, or null to commit turns by hand. */
  turn_detection?: ServerVadTurnDetection | null;
  /** Language of the speech (e.g. `en`). */
  language?: string;
  /** Text that primes the recognizer (names, jargon, the previous transcript). */
  prompt?: string;
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

export interface InputAudioBufferAppendEvent {
  type: 'input_audio_buffer.append';
  /** Base64 PCM; at most about one second of audio per message. */
  audio: string;
}
export interface InputAudioBufferCommitEvent {
  type: 'input_audio_buffer.commit';
}
export interface InputAudioBufferClearEvent {
  type: 'input_audio_buffer.clear';
}
export interface TranscriptionSessionUpdatedEvent {
  type: 'transcription_session.updated';
  session: TranscriptionSessionConfig;
}

export interface SttSessionCreatedEvent {
  type: 'session.created';
  session: RealtimeSttSession;
}
/** The current partial text of an item: it replaces the previous delta of that item, it does not extend it. */
export interface TranscriptionDeltaEvent {
  type: 'conversation.item.input_audio_transcription.delta';
  item_id?: string;
  delta: string;
}
export interface TranscriptionCompletedEvent {
  type: 'conversation.item.input_audio_transcription.completed';
  item_id?: string;
  transcript: string;
}
/**
 * With `item_id` or `event_type` it is one utterance failing and the session goes on; without
 * either it is fatal and the server closes the session.
 */
export interface TranscriptionFailedEvent {
  type: 'conversation.item.input_audio_transcription.failed';
  item_id?: string;
  event_type?: string;
  error: ErrorDetail;
}

export type RealtimeSttServerEvent =
  | SttSessionCreatedEvent
  | TranscriptionSessionUpdatedEvent
  | TranscriptionDeltaEvent
  | TranscriptionCompletedEvent
  | TranscriptionFailedEvent
  | RealtimeErrorEvent;
