import { INC, runJob } from "../lib/job.ts";
import { latencySummary } from "../lib/stats.ts";
import { round, type Workload } from "./workload.ts";

/**
 * W2 latency: a one-item job submitted and awaited serially, 50 warm-up
 * calls, then 1,000 measured; nearest-rank p50/p90/p99 of submit → result
 * read (peers: one `inc` submitted and its result blocked on). The client
 * submits and waits in one request (`client.run`: `POST /v1/jobs?wait=`), as
 * Celery's `.delay().get()` blocks; 200 more calls that wait on the events
 * socket instead (the path a client watching progress takes) are reported
 * beside it.
 *
 * Today every job takes a fresh runner, and a node replaces a taken warm
 * runner by loading Pyodide again (~3.5 s CPU), so a call can take seconds.
 * Both phases are bounded in time; a bounded run reports the calls it made.
 */
const FULL = { warmup: 50, calls: 1_000, socketCalls: 200, warmupBudgetMs: 20_000, budgetMs: 90_000 };
const QUICK = { warmup: 5, calls: 50, socketCalls: 20, warmupBudgetMs: 10_000, budgetMs: 30_000 };

export const w2: Workload = {
  id: "W2",
  title: "latency: one-item job, serial",
  async run({ target, quick, log }) {
    const c = quick ? QUICK : FULL;
    const call = async (x: number, deadline: number, waitBy: "results" | "events" = "results") => {
      const job = await runJob(target.client, { name: "bench-w2", program: INC, input: { items: [x] }, chunkSize: 1 }, { budgetMs: Math.max(5_000, deadline - performance.now()), waitBy });
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
    const bySocket: number[] = [];
    const socketEnd = performance.now() + c.budgetMs / 4;
    while (bySocket.length < c.socketCalls && performance.now() < socketEnd) {
      const times = await call(bySocket.length, socketEnd, "events");
      if (!times) break;
      bySocket.push(times.results);
    }
    const socket = latencySummary(bySocket);
    const bounded = samples.length < c.calls || warmed < c.warmup;
    const total = latencySummary(samples.map((s) => s.results));
    const slow = samples.filter((s) => s.results > 1000).length;
    log(`  W2: ${warmed} warm-up + ${samples.length} measured calls; p50 ${total.p50Ms} ms, ${slow} call(s) over 1 s; by the events socket (${socket.n} calls) p50 / p99 ${socket.p50Ms} / ${socket.p99Ms} ms`);
    const stage = (pick: (s: (typeof samples)[number]) => number) => latencySummary(samples.map(pick));
    return {
      status: bounded ? "bounded" : quick ? "reduced" : "ok",
      headline: `p50 / p90 / p99 ${total.p50Ms} / ${total.p90Ms} / ${total.p99Ms} ms${bounded ? ` (bounded: ${samples.length} of ${c.calls} calls in ${c.budgetMs / 1000} s)` : ""}`,
      note: `${warmed} of ${c.warmup} warm-up calls (budget ${c.warmupBudgetMs / 1000} s); ${slow} measured call(s) took over 1 s; waiting on the events socket instead: p50 / p99 ${socket.p50Ms} / ${socket.p99Ms} ms (${socket.n} calls)`,
      metrics: { n: total.n, p50Ms: total.p50Ms, p90Ms: total.p90Ms, p99Ms: total.p99Ms, meanMs: total.meanMs, minMs: total.minMs, overOneSecond: slow, socketP50Ms: socket.n > 0 ? socket.p50Ms : 0, socketP99Ms: socket.n > 0 ? socket.p99Ms : 0, callsPerSec: round((samples.length / Math.max(1, samples.reduce((a, s) => a + s.results, 0))) * 1000, 2) },
      detail: {
        // Where a call's time goes, as the client sees it, measured from the start of the submit request.
        accepted: stage((s) => s.accepted),
        resultsRead: total,
        byEventsSocket: socket,
      },
    };
  },
};
