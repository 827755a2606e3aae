import { INC, runJob, type FinishedJob } from "../lib/job.ts";
import { quiesce } from "../lib/quiesce.ts";
import { median } from "../lib/stats.ts";
import { round, type Workload } from "./workload.ts";

/**
 * W1 overhead: 10,000 items, map(x) = x + 1, chunkSize 1 (one chunk per
 * item), timed from the submit request to the last result read; 3 reps after
 * a 200-item warm-up, median rep reported (peers: dask_bench.py / celery_bench.py W1).
 */
const FULL = { items: 10_000, reps: 3, warmup: 200, repBudgetMs: 100_000, budgetMs: 210_000 };
const QUICK = { items: 1_000, reps: 1, warmup: 50, repBudgetMs: 60_000, budgetMs: 60_000 };
/** A rep is not started with less time than this left of the workload's budget. */
const MIN_REP_MS = 30_000;
/** A new job takes a node's warm runner and the node loads a replacement (~3.5 s CPU); that load is let finish before each rep, up to this long. */
const SETTLE_MS = 30_000;

export const w1: Workload = {
  id: "W1",
  title: "overhead: 10k items x+1, chunkSize 1",
  async run({ target, quick, log }) {
    const c = quick ? QUICK : FULL;
    const job = (n: number, budgetMs: number) => runJob(target.client, { name: "bench-w1", program: INC, input: { range: { start: 0, stop: n } }, chunkSize: 1 }, { budgetMs });
    const warm = await job(c.warmup, c.repBudgetMs);
    if (warm.state !== "done") throw new Error(`W1 warm-up ended ${warm.state}: ${warm.error ?? ""}`);
    const end = performance.now() + c.budgetMs;
    const reps: Array<ReturnType<typeof repFigures>> = [];
    const settled: number[] = [];
    for (let r = 0; r < c.reps; r++) {
      settled.push((await quiesce(SETTLE_MS)).waitedMs);
      if (end - performance.now() < MIN_REP_MS) break;
      const done = await job(c.items, Math.min(c.repBudgetMs, end - performance.now()));
      const figures = repFigures(done, c.items);
      log(`  W1 rep ${r + 1}: ${done.state}, ${figures.chunksDone}/${c.items} items in ${round(figures.elapsedMs / 1000, 2)} s = ${figures.itemsPerSec} items/s`);
      reps.push(figures);
      // A rep that ran out of time says enough; more reps would only stretch the run.
      if (done.state !== "done") break;
    }
    const cut = reps.find((r) => r.state !== "done");
    const bounded = cut !== undefined || reps.length < c.reps;
    const rate = median(reps.map((r) => r.itemsPerSec));
    const why = cut ? `${cut.chunksDone}/${c.items} items in ${round(cut.elapsedMs / 1000)} s` : `${reps.length} of ${c.reps} reps in ${c.budgetMs / 1000} s`;
    const what = bounded ? `${rate} items/s so far (bounded: ${why})` : `${rate} items/s`;
    return {
      status: bounded ? "bounded" : quick ? "reduced" : "ok",
      headline: `${what}; median of ${reps.length} rep(s): ${reps.map((r) => r.itemsPerSec).join(", ")}`,
      note: `${c.items} items, ${c.warmup}-item warm-up; before each rep the runners were let go idle (waited ${settled.map((ms) => round(ms / 1000)).join(", ")} s)`,
      metrics: {
        itemsPerSec: rate,
        firstResultMs: median(reps.map((r) => r.firstChunkMs)),
        acceptedMs: median(reps.map((r) => r.acceptedMs)),
        doneToResultsMs: median(reps.map((r) => r.doneToResultsMs)),
      },
      detail: { reps, warmupMs: round(warm.times.results) },
    };
  },
};

function repFigures(job: FinishedJob, items: number) {
  if (job.state === "done") {
    const wrong = job.results.length !== items || job.results.some((v, i) => v !== i + 1);
    if (wrong) throw new Error(`W1 job ${job.id} returned wrong results (${job.results.length} of ${items})`);
  } else if (job.state !== "over_budget") {
    throw new Error(`W1 job ${job.id} ended ${job.state}: ${job.error ?? ""}`);
  }
  const elapsedMs = job.state === "done" ? job.times.results : job.times.final;
  return {
    state: job.state,
    chunksDone: job.chunksDone,
    elapsedMs: round(elapsedMs),
    itemsPerSec: round((job.chunksDone / elapsedMs) * 1000),
    acceptedMs: round(job.times.accepted),
    firstChunkMs: round(job.times.firstChunk),
    doneToResultsMs: round(job.times.results - job.times.final),
  };
}
