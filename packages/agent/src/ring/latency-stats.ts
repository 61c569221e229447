/** min/median/p99/max of a sample, in ms. */
export interface LatencyStats {
  min: number;
  median: number;
  p99: number;
  max: number;
}

/**
 * Summarizes a sample with nearest-rank percentiles.
 * @param samples values in ms
 * @returns the stats, or undefined for an empty sample
 */
export function latencyStats(samples: readonly number[]): LatencyStats | undefined {
  if (samples.length === 0) return undefined;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
  return { min: sorted[0]!, median: rank(0.5), p99: rank(0.99), max: sorted[sorted.length - 1]! };
}

/** Divides every stat by `by` (tour time → per-hop time). */
export function scaleStats(stats: LatencyStats, by: number): LatencyStats {
  return { min: stats.min / by, median: stats.median / by, p99: stats.p99 / by, max: stats.max / by };
}

/** Formats ms with a sensible unit: `85µs`, `1.24ms`, `2.1s`. */
export function formatMs(ms: number): string {
  if (ms < 1) return `${Math.round(ms * 1000)}µs`;
  if (ms < 1000) return `${ms.toFixed(2)}ms`;
  return `${(ms / 1000).toFixed(2)}s`;
}
