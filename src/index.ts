// The Node entry (also what Bun and Deno load): the runtime-neutral client and names of src/web.ts,
// with Node's conveniences: keep-alive agents, uploads from paths, speech to files and Node
// streams, and realtime websocket sessions (ws).
export * from './generated-public';
export { DEFAULT_TIMEOUT, type ClientOptions } from './client';
export { TogetherAudio } from './node/client';
export * from './public';
export { NodeSpeech, type NodeSpeechStream, type SavedFile } from './node/speech';
export { wavStream, writeWavFile } from './wav';
export * from './realtime';
// On Node, RealtimeTTS also writes WAV files and Node streams.
export { NodeRealtimeTTS as RealtimeTTS } from './node/realtime';
