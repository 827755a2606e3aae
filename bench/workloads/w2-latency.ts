import { INC, runJob } from "../lib/job.ts";
import { latencySummary } from "../lib/stats.ts";
import { round, type Workload } from "./workload.ts";

/**
 * W2 latency: a one-item job submitted and awaited serially, 50 warm-up
 * calls, then 1,000 measured; nearest-rank p50/p90/p99 of submit → result
 * read (peers: one `inc` submitted and its result blocked on).
 *
 * Today every job takes a fresh runner, and a node replaces a taken warm
 * runner by loading Pyodide again (~3.5 s CPU), so a call can take seconds.
 * Both phases are bounded in time; a bounded run reports the calls it made.
 */
const FULL = { warmup: 50, calls: 1_000, warmupBudgetMs: 20_000, budgetMs: 90_000 };
const QUICK = { warmup: 5, calls: 50, warmupBudgetMs: 10_000, budgetMs: 30_000 };

export const w2: Workload = {
  id: "W2",
  title: "latency: one-item job, serial",
  async run({ target, quick, log }) {
    const c = quick ? QUICK : FULL;
    const call = async (x: number, deadline: number) => {
      const job = await runJob(target.client, { name: "bench-w2", program: INC, input: { items: [x] }, chunkSize: 1 }, { budgetMs: Math.max(5_000, deadline - performance.now()) });
      if (job.state !== "done") return undefined;
      if (job.results.length !== 1 || job.results[0] !== x + 1) throw new Error(`W2 job ${job.id} returned ${JSON.stringify(job.results)} for ${x}`);
      return job.times;
    };

    const warmEnd = performance.now() + c.warmupBudgetMs;
    let warmed = 0;
    while (warmed < c.warmup && performance.now() < warmEnd && (await call(warmed, warmEnd))) warmed++;

    const end = performance.now() + c.budgetMs;
    const samples: Array<{ accepted: number; firstChunk: number; final: number; results: number }> = [];
    while (samples.length < c.calls && performance.now() < end) {
      const times = await call(samples.length, end);
      if (!times) break;
      samples.push(times);
    }
    const bounded = samples.length < c.calls || warmed < c.warmup;
    const total = latencySummary(samples.map((s) => s.results));
    const slow = samples.filter((s) => s.results > 1000).length;
    log(`  W2: ${warmed} warm-up + ${samples.length} measured calls; p50 ${total.p50Ms} ms, ${slow} call(s) over 1 s`);
    const stage = (pick: (s: (typeof samples)[number]) => number) => latencySummary(samples.map(pick));
    return {
      status: bounded ? "bounded" : quick ? "reduced" : "ok",
      headline: `p50 / p90 / p99 ${total.p50Ms} / ${total.p90Ms} / ${total.p99Ms} ms${bounded ? ` (bounded: ${samples.length} of ${c.calls} calls in ${c.budgetMs / 1000} s)` : ""}`,
      note: `${warmed} of ${c.warmup} warm-up calls (budget ${c.warmupBudgetMs / 1000} s); ${slow} measured call(s) took over 1 s`,
      metrics: { n: total.n, p50Ms: total.p50Ms, p90Ms: total.p90Ms, p99Ms: total.p99Ms, meanMs: total.meanMs, minMs: total.minMs, overOneSecond: slow, callsPerSec: round((samples.length / Math.max(1, samples.reduce((a, s) => a + s.results, 0))) * 1000, 2) },
      detail: {
        // Where a call's time goes, as the client sees it: each stage measured from the start of the submit request.
        accepted: stage((s) => s.accepted),
        firstChunkEvent: stage((s) => s.firstChunk),
        doneEvent: stage((s) => s.final),
        resultsRead: total,
      },
    };
  },
};
