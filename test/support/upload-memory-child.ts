/**
 * Run in a child process by test/upload-memory.test.ts (bundled with esbuild), so that its memory
 * is measured apart from jest's. Uploads the files named in argv and prints one JSON line with
 * the RSS before the uploads and the highest RSS sampled while they ran.
 */
import { createReadStream } from 'node:fs';
import { TogetherAudio } from '../../src';

async function main(): Promise<void> {
  const [baseURL, warmUpPath, bigPath] = process.argv.slice(2);
  const client = new TogetherAudio({ apiKey: 'test-key-memory', baseURL });
  await client.transcriptions.create({ file: warmUpPath });

  // Collecting often keeps already-released chunk buffers from counting: V8 lets tens of MB of
  // unreferenced external memory pile up before it collects by itself, which would blur the line
  // between "streams" and "holds the file".
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  gc();
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const sample = () => {
    gc();
    peak = Math.max(peak, process.memoryUsage().rss);
  };
  const sampler = setInterval(sample, 10);

  const byPath = await client.transcriptions.create({ file: bigPath, model: 'openai/whisper-large-v3' });
  const byStream = await client.translations.create({ file: createReadStream(bigPath) });
  sample();
  clearInterval(sampler);

  process.stdout.write(`${JSON.stringify({ baseline, peak, results: [byPath.text, byStream.text] })}\n`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
