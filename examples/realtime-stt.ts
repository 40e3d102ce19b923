/**
 * Realtime transcription: streams raw PCM (s16le, 16 kHz, mono) from a Readable, commits by hand,
 * and prints the transcript.
 *
 *   npm run example:realtime
 *
 * By default it starts examples/local-realtime-server.ts and sends it two seconds of a tone; pass a
 * .pcm file to send that instead (ffmpeg -i in.wav -f s16le -ar 16000 -ac 1 out.pcm). With
 * TOGETHER_REALTIME_LIVE=1 it uses TOGETHER_API_KEY (and TOGETHER_BASE_URL) against the real API.
 */
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { TogetherAudio } from '../src';
import { startLocalRealtimeServer, tone } from './local-realtime-server';

export async function main(pcmFile?: string): Promise<string> {
  const local = process.env.TOGETHER_REALTIME_LIVE === '1' ? undefined : await startLocalRealtimeServer();
  const together = new TogetherAudio(local ? { baseURL: local.baseURL, apiKey: local.apiKey } : {});
  try {
    // turn_detection null: no server VAD, the transcript comes when we commit.
    const stt = await together.realtime.transcription({ model: 'openai/whisper-large-v3', turnDetection: null });
    try {
      const audio = pcmFile ? createReadStream(pcmFile) : Readable.from([tone(440, 2, 16000)]);
      const bytes = await stt.appendAudioStream(audio);
      await stt.commit();
      for await (const event of stt) {
        if (event.type === 'conversation.item.input_audio_transcription.delta') process.stdout.write(`… ${event.delta}\n`);
        if (event.type === 'conversation.item.input_audio_transcription.completed') {
          console.log(`Transcript of ${bytes} bytes: ${event.transcript}`);
          return event.transcript;
        }
      }
      throw new Error('The session ended before a transcript arrived.');
    } finally {
      await stt.close();
    }
  } finally {
    await local?.close();
  }
}

// Run directly (not when imported, nor when bundled into another example's script).
if (/realtime-stt\.[cm]?[jt]s$/.test(process.argv[1] ?? '')) {
  main(process.argv[2]).catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
