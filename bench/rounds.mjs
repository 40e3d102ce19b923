import { median } from './stats.mjs';

/** Fields where the worst round is the honest figure (a memory ceiling); the rest take the median. */
const WORST_OF_ROUNDS = new Set(['peakRssGrowth']);

/**
 * One report from a client's rounds of a case: failed if any round failed, else each field's
 * median over the rounds (the maximum for peak memory), and the median of the TCP connections
 * each round opened.
 */
export function combineRounds(reports) {
  const failed = reports.find((report) => !report.ok);
  if (failed) return failed;
  if (reports[0].unsupported) return reports[0];
  const result = {};
  for (const field of Object.keys(reports[0].result)) {
    const values = reports.map((report) => report.result[field]);
    result[field] = WORST_OF_ROUNDS.has(field) ? Math.max(...values) : median(values);
  }
  result.connections = median(reports.map((report) => report.connections));
  return { ok: true, api: reports[0].api, result, rounds: reports.length };
}
