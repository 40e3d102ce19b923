/**
 * Realtime transcription: streams raw PCM (s16le, 16 kHz, mono) from a Readable, commits by hand,
 * and prints the partial text as it grows and then the transcript. Reconnect is on: a dropped
 * connection is re-opened and the audio not yet transcribed is sent again.
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
    const stt = await together.realtime.transcription({ model: 'openai/whisper-large-v3', turnDetection: null, reconnect: true });
    try {
      const audio = pcmFile ? createReadStream(pcmFile) : Readable.from([tone(440, 2, 16000)]);
      const bytes = await stt.appendAudioStream(audio);
      await stt.commit();
      for await (const event of stt) {
        // Each delta is the item's whole partial text so far: show it in place of the last one.
        if (event.type === 'conversation.item.input_audio_transcription.delta') process.stdout.write(`… ${event.delta}\n`);
        if (event.type === 'reconnecting') console.log(`Connection lost (${event.error.message}); reconnecting, attempt ${event.attempt}`);
        if (event.type === 'gap') console.log(`Lost ${event.droppedMs} ms of audio that could not be replayed`);
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
