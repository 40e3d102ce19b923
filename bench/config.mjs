// Sizes and counts of one bench run. The defaults are the ones the targets are stated for;
// the BENCH_* environment variables shrink them for a quick try.
const MB = 1024 * 1024;

function intFromEnv(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new TypeError(`${name} must be a positive integer, got ${JSON.stringify(raw)}.`);
  return value;
}

export function benchConfig() {
  return {
    voicesCalls: intFromEnv('BENCH_VOICES_CALLS', 2000),
    voicesWarmup: intFromEnv('BENCH_VOICES_WARMUP', 200),
    concurrency: intFromEnv('BENCH_CONCURRENCY', 32),
    downloadBytes: intFromEnv('BENCH_DOWNLOAD_MB', 64) * MB,
    downloadRuns: intFromEnv('BENCH_DOWNLOAD_RUNS', 5),
    sseChunks: intFromEnv('BENCH_SSE_CHUNKS', 500),
    sseChunkBytes: intFromEnv('BENCH_SSE_CHUNK_BYTES', 4096),
    sseRuns: intFromEnv('BENCH_SSE_RUNS', 20),
    sseWarmup: intFromEnv('BENCH_SSE_WARMUP', 5),
    uploadBytes: intFromEnv('BENCH_UPLOAD_MB', 256) * MB,
    realtimeDeltas: intFromEnv('BENCH_REALTIME_DELTAS', 200),
    realtimeDeltaBytes: intFromEnv('BENCH_REALTIME_DELTA_BYTES', 4800),
    realtimeTurns: intFromEnv('BENCH_REALTIME_TURNS', 30),
    realtimeWarmup: intFromEnv('BENCH_REALTIME_WARMUP', 5),
    realtimeSttBytes: intFromEnv('BENCH_REALTIME_STT_MB', 32) * MB,
    /** Every client runs every case this many times, interleaved with the others, to even out drift. */
    rounds: intFromEnv('BENCH_ROUNDS', 5),
    memorySampleMs: intFromEnv('BENCH_MEMORY_SAMPLE_MS', 10),
    /** Fresh processes per package for the cold import, interleaved. */
    footprintRounds: intFromEnv('BENCH_FOOTPRINT_ROUNDS', 9),
    /** Comma-separated subset of the cases (voices, download, downloadToFile, sse, upload, realtime). */
    onlyCases: process.env.BENCH_CASES?.split(',')
      .map((name) => name.trim())
      .filter(Boolean),
  };
}

export const BYTES_PER_MB = MB;

/** True when no BENCH_* variable changes the run, i.e. its numbers may replace the published ones. */
export function isDefaultRun() {
  return !Object.keys(process.env).some((name) => name.startsWith('BENCH_'));
}
