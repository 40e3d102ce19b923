// The Node entry (also what Bun and Deno load): the runtime-neutral client and names of src/web.ts,
// with Node's conveniences: keep-alive agents, uploads from paths, speech to files and Node
// streams, and realtime websocket sessions (ws).
export * from './generated-public';
export { DEFAULT_TIMEOUT, type ClientOptions } from './client';
export { TogetherAudio } from './node/client';
export * from './public';
export { NodeSpeech, type NodeSpeechStream, type SavedFile } from './node/speech';
export { wavStream, writeWavFile } from './wav';
export {
  Realtime,
  RealtimeTTS,
  RealtimeTranscription,
  RealtimeError,
  RealtimeClosedError,
  RealtimeProtocolError,
  DEFAULT_HIGH_WATER_MARK,
  DEFAULT_SETTLE_MS,
  DEFAULT_AUDIO_CHUNK_BYTES,
  DEFAULT_INPUT_AUDIO_FORMAT,
  DEFAULT_REALTIME_TRANSCRIPTION_MODEL,
  REALTIME_TTS_PATH,
  REALTIME_TTS_PCM_FORMAT,
  REALTIME_TRANSCRIPTION_PATH,
  realtimeURL,
  validateTurnDetection,
  type RealtimeSocketOptions,
  type AudioOptions,
  type SpeechText,
  type RealtimeTTSOptions,
  type RealtimeTTSSessionOptions,
  type RealtimeTtsEvent,
  type AppendStreamOptions,
  type RealtimeTranscriptionEvent,
  type RealtimeTranscriptionOptions,
  type RealtimeTranscriptionSessionOptions,
} from './realtime';
export { toSrt, toVtt, subtitleCues, type SubtitleOptions, type SubtitleCue, type TimedTranscript } from './subtitles';
