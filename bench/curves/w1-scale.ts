import { errorMessage } from "@medusa/core";
import { INC, runJob } from "../lib/job.ts";
import { quiesce } from "../lib/quiesce.ts";
import { heapStats } from "bun:jsc";
import { rssMb, watchRss } from "../lib/rss.ts";
import { curvePoint, type CurvePoint } from "../lib/report.ts";
import type { Target } from "../lib/target.ts";
import { round, type Measured, type Workload } from "../workloads/workload.ts";

/**
 * W1 as the job grows: W1's job (map(x) = x + 1 over a range, chunkSize 1,
 * timed from submit to the last result read) at 1,000 / 10,000 / 100,000 /
 * 1,000,000 chunks, one rep each after a 200-item warm-up. Items/s should be
 * flat; so should the stack's and the runners' memory (RSS sampled every
 * 250 ms during the point), since nothing per chunk need stay in memory.
 * Each point has a time budget; one cut short reports the rate it reached.
 */
const FULL = [
  { items: 1_000, budgetMs: 60_000 },
  { items: 10_000, budgetMs: 120_000 },
  { items: 100_000, budgetMs: 300_000 },
  // At the ~3,000 items/s measured on a quiet box this takes about 6 minutes; at load it is cut at 12.
  { items: 1_000_000, budgetMs: 720_000 },
];
const QUICK = FULL.slice(0, 2);
/** The warm-up waits for a fresh stack's first runner, which at load 40-50 took over a minute to load Python. */
const WARMUP_BUDGET_MS = 240_000;

export const w1Scale: Workload = {
  id: "W1-scale",
  title: "W1 at 1k / 10k / 100k / 1M chunks",
  async run({ target, quick, log }): Promise<Measured> {
    const steps = quick ? QUICK : FULL;
    const warm = await runJob(target.client, { name: "bench-w1-scale", program: INC, input: { range: { start: 0, stop: 200 } }, chunkSize: 1 }, { budgetMs: WARMUP_BUDGET_MS });
    if (warm.state !== "done") throw new Error(`W1-scale warm-up ended ${warm.state}: ${warm.error ?? ""}`);
    const points: CurvePoint[] = [];
    const failures: string[] = [];
    for (const { items, budgetMs } of steps) {
      await quiesce();
      try {
        points.push(await point(target, items, budgetMs, log));
      } catch (err) {
        // One point that fails (a job refused, say) must not throw away the points already measured.
        failures.push(`${items}: ${errorMessage(err)}`);
        log(`  W1-scale ${items}: failed: ${errorMessage(err)}`);
        points.push(curvePoint(items, "failed", {}));
      }
    }
    const measured = points.filter((p) => p.status !== "failed");
    if (measured.length === 0) throw new Error(`W1-scale measured no point: ${failures.join("; ")}`);
    const bounded = points.some((p) => p.status !== "ok");
    const rates = measured.map((p) => p.values.itemsPerSec!);
    return {
      status: failures.length > 0 ? "failed" : bounded ? "bounded" : quick ? "reduced" : "ok",
      headline: `items/s ${points.map((p) => `${p.x}: ${p.status === "failed" ? "failed" : p.values.itemsPerSec}${p.status === "bounded" ? " (bounded)" : ""}`).join(", ")}; stack peak RSS ${measured.map((p) => p.values.stackPeakMb).join(" / ")} MB`,
      note: `one rep per point after a 200-item warm-up; last point / first point items/s = ${round(rates.at(-1)! / rates[0]!, 2)}${failures.length > 0 ? `; failed: ${failures.join("; ")}` : ""}`,
      metrics: Object.fromEntries(measured.flatMap((p) => [[`itemsPerSec_${p.x}`, p.values.itemsPerSec!], [`stackPeakMb_${p.x}`, p.values.stackPeakMb!]])),
      curve: { xLabel: "chunks in the job", points },
    };
  },
};

async function point(target: Target, items: number, budgetMs: number, log: (msg: string) => void): Promise<CurvePoint> {
  const rss = watchRss();
  const job = await runJob(target.client, { name: "bench-w1-scale", program: INC, input: { range: { start: 0, stop: items } }, chunkSize: 1 }, { budgetMs });
  const mem = rss.stop();
  // Memory still held once the collector has run: a heap that grows with the job is kept objects, not the collector's slack.
  Bun.gc(true);
  const held = { heapAfterGcMb: Math.round(heapStats().heapSize / 1048576), stackAfterGcMb: rssMb("self") };
  if (job.state !== "done" && job.state !== "over_budget") throw new Error(`W1-scale job of ${items} ended ${job.state}: ${job.error ?? ""}`);
  if (job.state === "done" && (job.results.length !== items || job.results.some((v, i) => v !== i + 1))) {
    throw new Error(`W1-scale job ${job.id} returned wrong results (${job.results.length} of ${items})`);
  }
  const elapsedMs = job.state === "done" ? job.times.results : job.times.final;
  const itemsPerSec = round((job.chunksDone / elapsedMs) * 1000);
  const status = job.state === "done" ? "ok" : "bounded";
  log(`  W1-scale ${items}: ${status}, ${job.chunksDone} chunks in ${round(elapsedMs / 1000, 1)} s = ${itemsPerSec} items/s; stack RSS ${mem.stackStartMb} → peak ${mem.stackPeakMb} MB, runners peak ${mem.runnersPeakMb} MB; after GC: heap ${held.heapAfterGcMb} MB, stack RSS ${held.stackAfterGcMb} MB`);
  return curvePoint(items, status, { itemsPerSec, chunksDone: job.chunksDone, elapsedS: round(elapsedMs / 1000, 2), ...mem, ...held });
}
