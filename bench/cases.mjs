import { rm } from 'node:fs/promises';
import { withPeakRssGrowth } from './memory.mjs';
import { median, msSince, percentile } from './stats.mjs';

function expectEqual(what, actual, expected) {
  if (actual !== expected) throw new Error(`${what}: expected ${expected}, got ${actual}`);
}

async function timed(operation) {
  const start = process.hrtime.bigint();
  const result = await operation();
  return { ms: msSince(start), result };
}

async function runConcurrently(total, concurrency, operation) {
  let next = 0;
  const lane = async () => {
    while (next < total) {
      next++;
      await operation();
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, lane));
}

/** The client method each case needs; a client without it shows "n/a" for the case. */
export const CASE_METHOD = { voices: 'listVoices', download: 'download', downloadToFile: 'downloadToFile', sse: 'streamSpeech', upload: 'transcribe' };

/**
 * Each case takes a fresh client (see clients/) and the run's config and returns its numbers.
 * Results are checked (byte counts, chunk counts) so a failing client cannot look fast.
 */
export const CASES = {
  async voices(client, config) {
    for (let i = 0; i < config.voicesWarmup; i++) await client.listVoices();
    const latencies = [];
    for (let i = 0; i < config.voicesCalls; i++) {
      const { ms, result } = await timed(() => client.listVoices());
      if (!Array.isArray(result?.data)) throw new Error('listVoices: no data array');
      latencies.push(ms);
    }
    const { ms } = await timed(() => runConcurrently(config.voicesCalls, config.concurrency, () => client.listVoices()));
    return { p50Ms: median(latencies), p99Ms: percentile(latencies, 99), throughputPerSec: (config.voicesCalls / ms) * 1000 };
  },

  async download(client, config) {
    expectEqual('download bytes (warm-up)', await client.download(), config.downloadBytes);
    const times = [];
    for (let i = 0; i < config.downloadRuns; i++) {
      const { ms, result } = await timed(() => client.download());
      expectEqual('download bytes', result, config.downloadBytes);
      times.push(ms);
    }
    return { wallMs: median(times) };
  },

  async downloadToFile(client, config, { outputPath }) {
    try {
      const { result, peakRssGrowth } = await withPeakRssGrowth(() => timed(() => client.downloadToFile(outputPath)), config.memorySampleMs);
      expectEqual('bytes written to file', result.result, config.downloadBytes);
      return { wallMs: result.ms, peakRssGrowth };
    } finally {
      await rm(outputPath, { force: true });
    }
  },

  async sse(client, config) {
    const once = async () => {
      const start = process.hrtime.bigint();
      let firstChunkMs;
      let chunks = 0;
      for await (const pcm of client.streamSpeech()) {
        firstChunkMs ??= msSince(start);
        expectEqual('PCM chunk size', pcm.length, config.sseChunkBytes);
        chunks++;
      }
      expectEqual('SSE chunks', chunks, config.sseChunks);
      return { firstChunkMs, totalMs: msSince(start) };
    };
    for (let i = 0; i < config.sseWarmup; i++) await once();
    const runs = [];
    for (let i = 0; i < config.sseRuns; i++) runs.push(await once());
    return { firstChunkMs: median(runs.map((run) => run.firstChunkMs)), totalMs: median(runs.map((run) => run.totalMs)) };
  },

  async upload(client, config, { uploadPath }) {
    const { result, peakRssGrowth } = await withPeakRssGrowth(() => timed(() => client.transcribe(uploadPath)), config.memorySampleMs);
    if (!(result.result >= config.uploadBytes))
      throw new Error(`upload: server received ${result.result} bytes, fewer than the ${config.uploadBytes}-byte file`);
    return { wallMs: result.ms, peakRssGrowth };
  },
};
