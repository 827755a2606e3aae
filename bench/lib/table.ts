import type { WorkloadReport } from "./report.ts";

/** The summary table: one row per workload and target, with the load seen while it ran. */
export function table(reports: WorkloadReport[]): string {
  const rows = reports.map((r) => [
    r.target,
    `${r.id} ${r.title}`,
    r.status,
    r.headline,
    r.machine ? `${r.machine.loadBefore[0]}→${r.machine.loadAfter[0]}` : "",
    r.machine?.stealPct === undefined ? "" : `${r.machine.stealPct}%`,
  ]);
  const head = ["target", "workload", "status", "result", "load 1m", "steal"];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd();
  return [line(head), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}
