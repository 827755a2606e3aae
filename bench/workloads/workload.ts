import type { Target } from "../lib/target.ts";
import type { WorkloadId, WorkloadReport } from "../lib/report.ts";

/** Counts and time budgets a workload runs with; --quick shrinks the counts for a smoke run. */
export interface RunContext {
  target: Target;
  quick: boolean;
  log: (msg: string) => void;
}

/** What a workload measured; the runner adds id, title, target, timing and machine load. */
export type Measured = Pick<WorkloadReport, "status" | "headline" | "note" | "metrics" | "detail" | "curve">;

export interface Workload {
  id: WorkloadId;
  title: string;
  run(ctx: RunContext): Promise<Measured>;
}

export const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;
