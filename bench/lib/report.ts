import { z } from "zod";

/**
 * The results file's contract (bench/results/<timestamp>.json). A workload
 * that did not run, or was stopped by its time budget, says so in `status`
 * and `note`; its metrics are only what was really measured.
 */
export const WorkloadId = z.enum(["W1", "W2", "W3", "W3-wasi", "W4", "W5", "W1-scale", "W2-load", "W3-nodes"]);
export type WorkloadId = z.infer<typeof WorkloadId>;

export const MachineWatch = z.object({
  loadBefore: z.tuple([z.number(), z.number(), z.number()]),
  loadAfter: z.tuple([z.number(), z.number(), z.number()]),
  busyPct: z.number().optional(),
  stealPct: z.number().optional(),
});
export type MachineWatch = z.infer<typeof MachineWatch>;

/**
 * How a cost grows (the W1-scale, W2-load and W3-nodes workloads): one point
 * per setting of `x`, each with the figures measured there. A point cut short
 * by its time budget says so; its figures are what it reached.
 */
export const CurvePoint = z.object({
  x: z.number(),
  status: z.enum(["ok", "bounded", "failed"]),
  values: z.record(z.string(), z.number()),
});
export type CurvePoint = z.infer<typeof CurvePoint>;
/** A point with only the figures really measured: a p50 of no calls (NaN) is left out, not written as null. */
export function curvePoint(x: number, status: CurvePoint["status"], values: Record<string, number>): CurvePoint {
  return { x, status, values: Object.fromEntries(Object.entries(values).filter(([, v]) => Number.isFinite(v))) };
}
export const Curve = z.object({ xLabel: z.string(), points: z.array(CurvePoint) });
export type Curve = z.infer<typeof Curve>;

export const WorkloadReport = z.object({
  id: WorkloadId,
  title: z.string(),
  target: z.enum(["embedded", "distributed"]),
  /** ok: the full definition ran; bounded: stopped by its time budget (figures are the rate so far); reduced: --quick counts. */
  status: z.enum(["ok", "bounded", "reduced", "not_run", "failed"]),
  /** The one line the table prints. */
  headline: z.string(),
  note: z.string().optional(),
  metrics: z.record(z.string(), z.number()),
  detail: z.unknown().optional(),
  curve: Curve.optional(),
  machine: MachineWatch.optional(),
  durationMs: z.number(),
});
export type WorkloadReport = z.infer<typeof WorkloadReport>;

export const BenchRun = z.object({
  startedAt: z.string(),
  durationMs: z.number(),
  quick: z.boolean(),
  machine: z.object({ cpus: z.number(), cpuModel: z.string(), memGiB: z.number(), bun: z.string(), platform: z.string(), commit: z.string() }),
  targets: z.array(z.object({ name: z.string(), describe: z.string() })),
  workloads: z.array(WorkloadReport),
});
export type BenchRun = z.infer<typeof BenchRun>;
