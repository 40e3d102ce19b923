/**
 * Runs `operation` while sampling the resident set size every `intervalMs`, and reports the peak
 * growth over the RSS just before it started (after a full GC when the process runs with
 * --expose-gc, so leftovers of setting up do not count).
 */
export async function withPeakRssGrowth(operation, intervalMs) {
  globalThis.gc?.();
  const baseline = process.memoryUsage.rss();
  let peak = baseline;
  const sample = () => {
    peak = Math.max(peak, process.memoryUsage.rss());
  };
  const timer = setInterval(sample, intervalMs);
  try {
    const result = await operation();
    sample();
    return { result, baselineRss: baseline, peakRssGrowth: peak - baseline };
  } finally {
    clearInterval(timer);
  }
}
