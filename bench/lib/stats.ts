/** Nearest-rank percentiles and medians, as the peer harness computes them (workloads.py `percentile`). */

/** Nearest-rank percentile of already-sorted values; q in [0, 100]. */
export function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.max(1, Math.ceil((q / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1]!;
}

export function median(values: number[]): number {
  return percentile([...values].sort((a, b) => a - b), 50);
}

export interface LatencySummary {
  n: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  meanMs: number;
  minMs: number;
  maxMs: number;
}

export function latencySummary(samplesMs: number[]): LatencySummary {
  const s = [...samplesMs].sort((a, b) => a - b);
  const round = (x: number) => Math.round(x * 100) / 100;
  return {
    n: s.length,
    p50Ms: round(percentile(s, 50)),
    p90Ms: round(percentile(s, 90)),
    p99Ms: round(percentile(s, 99)),
    meanMs: round(s.reduce((a, b) => a + b, 0) / Math.max(1, s.length)),
    minMs: round(s[0] ?? Number.NaN),
    maxMs: round(s.at(-1) ?? Number.NaN),
  };
}
