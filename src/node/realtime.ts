import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { RealtimeEndpoint } from '../realtime/connection';
import { RealtimeTTS, type RealtimeTTSOptions, type RealtimeTTSSessionOptions } from '../realtime/tts';
import type { SpeakOptions, SpeechText } from '../realtime/tts-turn';
import { wavStream, writeWavFile } from '../wav';
import { removePartialFile } from './partial-file';
import { openForWriting } from './speech';

/** A realtime text-to-speech session with Node's file and stream helpers. */
export class NodeRealtimeTTS extends RealtimeTTS {
  static override connect(options: RealtimeTTSOptions = {}): Promise<NodeRealtimeTTS> {
    // biome-ignore lint/complexity/noThisInStatic: super.connect opens this subclass
    return super.connect(options) as Promise<NodeRealtimeTTS>;
  }

  /** @internal */
  static override open(endpoint: RealtimeEndpoint, options: RealtimeTTSSessionOptions = {}): Promise<NodeRealtimeTTS> {
    // biome-ignore lint/complexity/noThisInStatic: super.open constructs this subclass
    return super.open(endpoint, options) as Promise<NodeRealtimeTTS>;
  }

  /** Speaks `text` into a WAV file (for `response_format: 'pcm'`); the partial file is removed on failure. */
  writeWav(path: string, text: SpeechText, options: SpeakOptions = {}): Promise<{ path: string; bytes: number }> {
    const pcm = this.pcmFormat('writeWav');
    return writeWavFile(path, this.speak(text, options), pcm);
  }

  /** Speaks `text` as a WAV stream whose header says "length unknown" (for `response_format: 'pcm'`). */
  wavStream(text: SpeechText, options: SpeakOptions = {}): Readable {
    return wavStream(this.speak(text, options), this.pcmFormat('wavStream'));
  }

  /**
   * Speaks `text` into a file of the session's response_format as the server sends it (mp3, opus, ..., or raw PCM).
   * The file is opened before the text is sent, so an unwritable path fails first, and a failed
   * turn always finds the file it has to remove (not one still being created).
   */
  async writeFile(path: string, text: SpeechText, options: SpeakOptions = {}): Promise<{ path: string; bytes: number }> {
    const file = await openForWriting(path);
    let bytes = 0;
    try {
      const turn = this.speak(text, options);
      async function* counted(): AsyncGenerator<Uint8Array> {
        for await (const chunk of turn) {
          bytes += chunk.length;
          yield chunk;
        }
      }
      await pipeline(Readable.from(counted()), file);
    } catch (error) {
      file.destroy();
      await removePartialFile(path);
      throw error;
    }
    return { path, bytes };
  }
}
