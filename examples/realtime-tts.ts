/**
 * Realtime text to speech: streams text pieces (as an LLM would produce them) into a WAV file.
 *
 *   npm run example:realtime
 *
 * By default it starts examples/local-realtime-server.ts and talks to it; with
 * TOGETHER_REALTIME_LIVE=1 it uses TOGETHER_API_KEY (and TOGETHER_BASE_URL) against the real API.
 */
import { tmpdir } from 'node:os';
import path from 'node:path';
import { RealtimeError, TogetherAudio } from '../src';
import { startLocalRealtimeServer } from './local-realtime-server';

/** Stands in for an LLM's streamed output. */
async function* llmOutput(): AsyncGenerator<string> {
  for (const piece of ['Hello! ', 'This sentence arrives ', 'in pieces, ', 'like tokens from a model. ', 'Goodbye.']) yield piece;
}

export async function main(out = path.join(tmpdir(), 'realtime-tts.wav')): Promise<{ path: string; bytes: number }> {
  const local = process.env.TOGETHER_REALTIME_LIVE === '1' ? undefined : await startLocalRealtimeServer();
  const together = new TogetherAudio(local ? { baseURL: local.baseURL, apiKey: local.apiKey } : {});
  try {
    const tts = await together.realtime.tts({ model: 'hexgrad/Kokoro-82M', voice: 'af_alloy' });
    try {
      const wav = await tts.writeWav(out, llmOutput());
      console.log(`Wrote ${wav.bytes} bytes of WAV (PCM s16le, 24 kHz, mono) to ${wav.path}`);
      return wav;
    } catch (error) {
      if (error instanceof RealtimeError) console.error(`Speech failed: ${error.code}: ${error.message}`);
      throw error;
    } finally {
      await tts.close();
    }
  } finally {
    await local?.close();
  }
}

// Run directly (not when imported, nor when bundled into another example's script).
if (/realtime-tts\.[cm]?[jt]s$/.test(process.argv[1] ?? '')) {
  main(process.argv[2]).catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
