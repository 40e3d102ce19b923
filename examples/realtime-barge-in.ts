/**
 * Realtime barge-in: the assistant starts speaking, the user interrupts, and the assistant answers
 * the interruption. The interrupted turn's context is cancelled, so none of its audio leaks into
 * the answer. With alignment 'word', each turn also carries word timestamps (e.g. for captions).
 *
 *   npm run example:realtime
 *
 * By default it starts examples/local-realtime-server.ts; with TOGETHER_REALTIME_LIVE=1 it uses
 * TOGETHER_API_KEY (and TOGETHER_BASE_URL) against the real API.
 */
import { TogetherAudio } from '../src';
import { startLocalRealtimeServer } from './local-realtime-server';

export interface BargeInResult {
  heardBeforeInterruption: number;
  answerBytes: number;
  captions: string[];
}

export async function main(): Promise<BargeInResult> {
  const local = process.env.TOGETHER_REALTIME_LIVE === '1' ? undefined : await startLocalRealtimeServer();
  const together = new TogetherAudio(local ? { baseURL: local.baseURL, apiKey: local.apiKey } : {});
  const tts = await together.realtime.tts({ model: 'hexgrad/Kokoro-82M', voice: 'af_heart', alignment: 'word' });
  try {
    // The assistant's long answer; in an app the chunks go to the speaker.
    const answer = tts.speak('Let me tell you the whole story. It starts long ago. It goes on and on. And on.');
    let heardBeforeInterruption = 0;
    for await (const chunk of answer) {
      heardBeforeInterruption += chunk.length;
      if (heardBeforeInterruption >= 24000) break; // the user starts talking: leaving the loop cancels the turn
    }

    // The reply to the interruption, with captions from the word timestamps.
    const reply = tts.speak('Sorry, go ahead.');
    let answerBytes = 0;
    const captions: string[] = [];
    for await (const part of reply.parts()) {
      if (part.type === 'audio') answerBytes += part.audio.length;
      else captions.push(...part.words.map((w) => `${w.word}@${w.start.toFixed(2)}s`));
    }
    console.log(`Interrupted after ${heardBeforeInterruption} bytes; replied with ${answerBytes} bytes: ${captions.join(' ')}`);
    return { heardBeforeInterruption, answerBytes, captions };
  } finally {
    await tts.close();
    await local?.close();
  }
}

// Run directly (not when imported, nor when bundled into another example's script).
if (/realtime-barge-in\.[cm]?[jt]s$/.test(process.argv[1] ?? '')) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
