import { INC, runJob, type FinishedJob } from "../lib/job.ts";
import { quiesce } from "../lib/quiesce.ts";
import { curvePoint, type CurvePoint } from "../lib/report.ts";
import { latencySummary } from "../lib/stats.ts";
import { round, type Measured, type Workload } from "../workloads/workload.ts";

/**
 * W2 under load: W2's serial one-item job (submit, events until done,
 * results read) while 0, 10 and 100 other jobs are running. The others are
 * one-item jobs too, each driven by its own client in a closed loop (a new
 * one submitted as soon as the last one's result is read), so exactly N are
 * in flight at any time; they belong to the same account, so every job can
 * use the program's loaded runners and what grows is the stack's queueing,
 * not Python loads. The chunk queue is first come, first served, so a call
 * waits for the chunks ahead of it: the p50 is expected to grow about as
 * N / (jobs per second the stack completes); a steeper rise, or jobs/s
 * falling as N grows, is a per-job cost that grows with the number of jobs.
 */
const FULL = { loads: [0, 10, 100], warmup: 20, calls: 200, settleMs: 2_000, budgetMs: 60_000 };
const QUICK = { loads: [0, 10, 100], warmup: 5, calls: 30, settleMs: 1_000, budgetMs: 20_000 };
/** With others running the runners are already loaded: a few calls reach the steady queue, and each may take N others' time. */
const LOADED_WARMUP = 3;
const WARMUP_BUDGET_MS = 120_000;

export const w2Load: Workload = {
  id: "W2-load",
  title: "W2 p50 with 0 / 10 / 100 other jobs running",
  async run({ target, quick, log }): Promise<Measured> {
    const c = quick ? QUICK : FULL;
    const one = (x: number, budgetMs: number) => runJob(target.client, { name: "bench-w2-load", program: INC, input: { items: [x] }, chunkSize: 1 }, { budgetMs });
    const points: CurvePoint[] = [];
    for (const n of c.loads) {
      await quiesce();
      let stop = false;
      let background = 0;
      let backgroundFailed = 0;
      const loops = Array.from({ length: n }, async (_, k) => {
        for (let x = 0; !stop; x++) {
          const job = await one(k * 1_000_000 + x, 120_000).catch(() => undefined);
          if (job?.state === "done") background++;
          else {
            backgroundFailed++;
            // A stack that refuses jobs must not be hammered in a tight loop.
            await Bun.sleep(100);
          }
        }
      });
      await Bun.sleep(n > 0 ? c.settleMs : 0);
      const check = (job: FinishedJob, i: number) => {
        if (job.results.length !== 1 || job.results[0] !== i + 1) throw new Error(`W2-load job ${job.id} returned ${JSON.stringify(job.results)} for ${i}`);
      };
      // The warm-up has its own budget: on a fresh stack the first call waits for a runner to load Python.
      const warmEnd = performance.now() + WARMUP_BUDGET_MS;
      const warmup = n === 0 ? c.warmup : Math.min(c.warmup, LOADED_WARMUP);
      for (let i = 0; i < warmup && performance.now() < warmEnd; i++) {
        const job = await one(i, Math.max(5_000, warmEnd - performance.now()));
        if (job.state !== "done") break;
        check(job, i);
      }
      const end = performance.now() + c.budgetMs;
      const samples: number[] = [];
      const bgAtStart = background;
      const t0 = performance.now();
      for (let i = 0; i < c.calls && performance.now() < end; i++) {
        const job = await one(i, Math.max(5_000, end - performance.now()));
        if (job.state !== "done") break;
        check(job, i);
        samples.push(job.times.results);
      }
      const backgroundPerSec = round(((background - bgAtStart) / (performance.now() - t0)) * 1000);
      stop = true;
      await Promise.all(loops);
      const s = latencySummary(samples);
      const status = samples.length < c.calls ? "bounded" : "ok";
      log(`  W2-load ${n} others: ${samples.length} calls, p50 / p99 ${s.p50Ms} / ${s.p99Ms} ms; the others completed ${backgroundPerSec} jobs/s (${backgroundFailed} did not finish)`);
      points.push(curvePoint(n, status, { p50Ms: s.p50Ms, p90Ms: s.p90Ms, p99Ms: s.p99Ms, calls: s.n, otherJobsPerSec: backgroundPerSec, otherJobsFailed: backgroundFailed }));
    }
    const bounded = points.some((p) => p.status !== "ok");
    return {
      status: bounded ? "bounded" : quick ? "reduced" : "ok",
      headline: `p50 ${points.map((p) => `${p.x} others: ${p.values.p50Ms === undefined ? "no call finished" : `${p.values.p50Ms} ms`}${p.status === "ok" ? "" : ` (bounded: ${p.values.calls} calls)`}`).join(", ")}`,
      note: `${c.warmup} warm-up calls alone, ${LOADED_WARMUP} with others running, then up to ${c.calls} measured calls per point, ${c.budgetMs / 1000} s budget each; other jobs: one-item jobs of the same account, each in a closed loop`,
      metrics: Object.fromEntries(points.flatMap((p) => (p.values.p50Ms === undefined ? [] : [[`p50Ms_${p.x}`, p.values.p50Ms], [`p99Ms_${p.x}`, p.values.p99Ms!]]))),
      curve: { xLabel: "other jobs running", points },
    };
  },
};
