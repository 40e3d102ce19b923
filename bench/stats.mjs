export function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

export const median = (values) => percentile(values, 50);

/** Milliseconds since `start` (a process.hrtime.bigint() reading). */
export function msSince(start) {
  return Number(process.hrtime.bigint() - start) / 1e6;
}
