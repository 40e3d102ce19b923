import { BYTES_PER_MB } from './config.mjs';

const ms = (value) => `${value < 10 ? value.toFixed(2) : value.toFixed(0)} ms`;
const mb = (bytes) => `${(bytes / BYTES_PER_MB).toFixed(1)} MB`;
const rounds = (count) => `${count} round${count === 1 ? '' : 's'}`;
const timesRaw = (value, raw) => `${(value / raw).toFixed(2)}× raw`;
const overRaw = (value, raw) => `raw ${value >= raw ? '+' : '−'} ${Math.abs(value - raw).toFixed(2)} ms`;
const perSec = (value) => `${value.toFixed(0)} req/s`;

/**
 * The rows of the report: which case and field each reads, how to print it, and the target this
 * package must meet (if any), with `relative` describing a value against raw for targets set
 * relative to it. `ratio` says whether the raw ratio is printed (not for RSS, where
 * the baseline is near zero and a ratio means nothing).
 */
export function metricRows(config) {
  return allMetricRows(config).filter((row) => !config.onlyCases || config.onlyCases.includes(row.caseName));
}

function allMetricRows(config) {
  const downloadMB = config.downloadBytes / BYTES_PER_MB;
  const uploadMB = config.uploadBytes / BYTES_PER_MB;
  const rssLimit = 32 * BYTES_PER_MB;
  return [
    {
      name: `GET /voices p50 latency (${config.voicesCalls} sequential calls, median of ${rounds(config.rounds)})`,
      caseName: 'voices',
      field: 'p50Ms',
      format: ms,
      ratio: true,
      target: { text: '≤ 1.15× raw', met: (value, raw) => value <= 1.15 * raw, relative: timesRaw },
    },
    {
      name: `GET /voices throughput (${config.voicesCalls} calls, ${config.concurrency} concurrent; higher is better)`,
      caseName: 'voices',
      field: 'throughputPerSec',
      format: perSec,
      ratio: true,
    },
    {
      name: `${downloadMB} MB speech download to memory, wall time (median of ${config.downloadRuns} runs × ${rounds(config.rounds)})`,
      caseName: 'download',
      field: 'wallMs',
      format: ms,
      ratio: true,
      target: { text: '≤ 1.2× raw', met: (value, raw) => value <= 1.2 * raw, relative: timesRaw },
    },
    {
      name: `${downloadMB} MB speech streamed to a file, wall time`,
      caseName: 'downloadToFile',
      field: 'wallMs',
      format: ms,
      ratio: true,
    },
    {
      name: `${downloadMB} MB speech streamed to a file, peak RSS growth (worst of ${rounds(config.rounds)})`,
      caseName: 'downloadToFile',
      field: 'peakRssGrowth',
      format: mb,
      ratio: false,
      target: { text: '≤ 32 MB', met: (value) => value <= rssLimit },
    },
    {
      name: `SSE speech (${config.sseChunks} chunks), time to first chunk (median of ${config.sseRuns} runs × ${rounds(config.rounds)})`,
      caseName: 'sse',
      field: 'firstChunkMs',
      format: ms,
      ratio: true,
      target: { text: '≤ raw + 2 ms', met: (value, raw) => value <= raw + 2, relative: overRaw },
    },
    {
      name: `SSE speech (${config.sseChunks} chunks), total time (median of ${config.sseRuns} runs × ${rounds(config.rounds)})`,
      caseName: 'sse',
      field: 'totalMs',
      format: ms,
      ratio: true,
    },
    {
      name: `SSE speech, TCP connections opened for ${config.sseWarmup + config.sseRuns} streams (keep-alive reuse gives 1)`,
      caseName: 'sse',
      field: 'connections',
      format: String,
      ratio: false,
    },
    {
      name: `${uploadMB} MB transcription upload, wall time`,
      caseName: 'upload',
      field: 'wallMs',
      format: ms,
      ratio: true,
    },
    {
      name: `${uploadMB} MB transcription upload, peak RSS growth (worst of ${rounds(config.rounds)})`,
      caseName: 'upload',
      field: 'peakRssGrowth',
      format: mb,
      ratio: false,
      target: { text: '≤ 32 MB', met: (value) => value <= rssLimit },
    },
  ];
}
