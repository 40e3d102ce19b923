// The realtime part of `npm run bench`: this package's websocket clients against a raw `ws` client,
// as ratios taken in the same run, on the same local server.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { REALTIME_CLIENTS } from './realtime-clients.mjs';
import { startRealtimeBenchServer } from './realtime-server.mjs';
import { median } from './stats.mjs';

const WORKER = fileURLToPath(new URL('./realtime-worker.mjs', import.meta.url));

const ROWS = [
  { field: 'firstDeltaMs', name: 'TTS commit → first audio delta (ms, median)', format: (v) => v.toFixed(2), better: 'lower' },
  { field: 'perDeltaUs', name: 'TTS per audio delta (µs, median)', format: (v) => v.toFixed(1), better: 'lower' },
  { field: 'endOfTurnMs', name: 'TTS end of turn after the last delta (ms)', format: (v) => v.toFixed(0), better: 'lower' },
  { field: 'sttMBps', name: 'STT append throughput (MB/s of PCM)', format: (v) => v.toFixed(1), better: 'higher' },
];

function runWorker(job) {
  return new Promise((resolve) => {
    const child = fork(WORKER, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let report;
    child.once('message', (message) => (report = message));
    child.once('exit', (code) => resolve(report ?? { ok: false, error: `realtime worker exited with code ${code} without a report` }));
    child.send(job);
  });
}

/** Runs every client `config.rounds` times, interleaved, and returns the table and any failures. */
export async function runRealtimeBench(config) {
  const server = await startRealtimeBenchServer(config);
  const reports = Object.fromEntries(Object.keys(REALTIME_CLIENTS).map((key) => [key, []]));
  try {
    for (let round = 0; round < config.rounds; round++) {
      for (const clientKey of Object.keys(REALTIME_CLIENTS)) {
        const report = await runWorker({ clientKey, baseURL: server.baseURL, config });
        console.error(
          `  realtime #${round + 1} / ${REALTIME_CLIENTS[clientKey].label}: ${report.ok ? JSON.stringify(report.result, (_, v) => (typeof v === 'number' ? Number(v.toFixed(3)) : v)) : `FAILED: ${report.error.split('\n')[0]}`}`,
        );
        reports[clientKey].push(report);
      }
    }
  } finally {
    await server.close();
  }
  const failures = Object.entries(reports).flatMap(([key, list]) =>
    list.filter((r) => !r.ok).map((r) => `${REALTIME_CLIENTS[key].label} / realtime: ${r.error.split('\n')[0]}`),
  );
  const values = (key, field) => reports[key].filter((r) => r.ok).map((r) => r.result[field]);
  const header = ['Realtime case', 'raw ws', '@together-audio/client', 'Ratio (package / raw)'];
  const body = ROWS.map((row) => {
    const raw = values('raw', row.field);
    const pkg = values('package', row.field);
    if (raw.length === 0 || pkg.length === 0) return [row.name, 'failed', 'failed', ''];
    const [r, p] = [median(raw), median(pkg)];
    return [row.name, row.format(r), row.format(p), `${(p / r).toFixed(2)}× (${row.better} is better)`];
  });
  return { header, body, failures };
}

export function realtimeMethod(config) {
  return `- Realtime: one local \`ws\` server in the bench process; each client runs in a forked process per round (${config.rounds} rounds, interleaved). TTS: ${config.realtimeWarmup} warm-up turns, then the median of ${config.realtimeTurns} turns of ${config.realtimeDeltas} deltas of ${config.realtimeDeltaBytes} bytes each (base64 in JSON), timed from sending the text to the first decoded delta, and per delta from the first to the last. The package's turns run with \`settleMs: 0\`, so no end-of-turn wait enters those figures; the end-of-turn row then runs one turn with the default \`settleMs\` (300 ms after every item is done) against the raw client ending its turn as Together's example does (no message for 0.3 s). STT: ${config.realtimeSttBytes / 1024 ** 2} MiB of PCM appended in 1 s messages with the same 1 MiB send backpressure, until the server confirms the byte count.`;
}
