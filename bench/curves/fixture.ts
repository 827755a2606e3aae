import type { BenchRun, WorkloadReport } from "../lib/report.ts";

/** A bench run holding all three curves on both targets, with made-up figures, for the plot test. */
export function curvesRun(): BenchRun {
  const machine = { loadBefore: [1.5, 1.2, 1] as [number, number, number], loadAfter: [2.5, 1.4, 1] as [number, number, number] };
  const report = (id: WorkloadReport["id"], target: "embedded" | "distributed", xLabel: string, points: Array<[number, Record<string, number>]>): WorkloadReport => ({
    id,
    title: id,
    target,
    status: "ok",
    headline: "",
    metrics: {},
    machine,
    durationMs: 1,
    curve: { xLabel, points: points.map(([x, values], i) => ({ x, status: i === points.length - 1 && target === "distributed" ? "bounded" : "ok", values })) },
  });
  const w1 = (rate: number) => [1e3, 1e4, 1e5, 1e6].map((x, i) => [x, { itemsPerSec: rate - i * 100, stackPeakMb: 150 + i * 10, runnersPeakMb: 300 + i }] as [number, Record<string, number>]);
  const w2 = (p50: number) => [0, 10, 100].map((x) => [x, { p50Ms: p50 + x / 10, p99Ms: 3 * p50 + x }] as [number, Record<string, number>]);
  const w3 = (s: number) => [1, 2, 3, 4].map((x) => [x, { wallS: 8 / Math.min(x, 2), speedup: Math.min(x, 2) * s }] as [number, Record<string, number>]);
  return {
    startedAt: "2026-12-03T13:00:00.000Z",
    durationMs: 1,
    quick: false,
    machine: { cpus: 2, cpuModel: "test", memGiB: 1, bun: "1.4.5", platform: "linux x64", commit: "abc1234" },
    targets: [],
    workloads: [
      report("W1-scale", "embedded", "chunks", w1(3000)),
      report("W1-scale", "distributed", "chunks", w1(2500)),
      report("W2-load", "embedded", "other jobs", w2(4)),
      report("W2-load", "distributed", "other jobs", w2(8)),
      report("W3-nodes", "embedded", "nodes", w3(0.9)),
      report("W3-nodes", "distributed", "nodes", w3(0.8)),
    ],
  };
}
