import { lazyAudio, TogetherAudio as CoreTogetherAudio, type ClientOptions } from '../client';
import { resolveApiKey } from '../config';
import type { Platform } from '../platform';
import { Realtime } from '../realtime';
import { nodePlatform } from './platform';
import { NodeRealtimeTTS } from './realtime';
import { NodeSpeech } from './speech';

/**
 * The client on Node (and Bun and Deno): the runtime-neutral client with keep-alive connections,
 * uploads from paths, speech to files and Node streams, and realtime websocket sessions.
 */
export class TogetherAudio extends CoreTogetherAudio {
  protected static override platform: Platform = nodePlatform;

  /** Text to speech: whole, streamed PCM, a Node Readable, or straight to a (WAV) file. */
  override readonly speech: NodeSpeech = new NodeSpeech(lazyAudio(this), nodePlatform);
  /** Realtime websocket sessions: `realtime.tts()` (with Node's file helpers) and `realtime.transcription()`. */
  readonly realtime: Realtime<NodeRealtimeTTS>;

  constructor(options: ClientOptions = {}) {
    super(options);
    this.realtime = new Realtime({ baseURL: this.baseURL, apiKey: resolveApiKey(options) }, NodeRealtimeTTS);
  }
}
