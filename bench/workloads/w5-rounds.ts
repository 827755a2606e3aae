import { driveSession, roundFigures } from "./sessions.ts";
import { type Measured, type Workload } from "./workload.ts";

/**
 * W5 round overhead (peers: dask_w5.py): 20 partitions of 10,000 integers
 * set up once; each round every partition returns len(state); 20 warm-up
 * rounds, then 200 measured; p50 and p99 ms per round at the client.
 */
const PARTITIONS = 20;
const PER_PARTITION = 10_000;
const FULL = { warmup: 20, rounds: 200 };
const QUICK = { warmup: 5, rounds: 50 };
const PROGRAM = "def setup(items):\n    return items\n\ndef step(state, params):\n    return len(state)\n";

export const w5: Workload = {
  id: "W5",
  title: "round overhead: 20 partitions, 200 rounds",
  async run(ctx): Promise<Measured> {
    const c = ctx.quick ? QUICK : FULL;
    const run = await driveSession(
      ctx,
      { name: "bench-w5", program: { runtime: "python", source: PROGRAM }, input: { range: { start: 0, stop: PARTITIONS * PER_PARTITION } }, partitions: PARTITIONS },
      {
        ...c,
        budgetMs: 120_000,
        params: (r) => ({ r }),
        fold: (partials, r) => {
          if (partials.length !== PARTITIONS || partials.some((p) => p !== PER_PARTITION)) throw new Error(`W5 round ${r} returned ${JSON.stringify(partials)}`);
          return r;
        },
      },
    );
    const f = roundFigures(run);
    const bounded = run.roundsMs.length < c.rounds;
    return {
      status: bounded ? "bounded" : ctx.quick ? "reduced" : "ok",
      headline: `per-round p50 ${f.client.p50Ms} ms, p99 ${f.client.p99Ms} ms (min ${f.client.minMs})${bounded ? ` (bounded: ${run.roundsMs.length} of ${c.rounds} rounds)` : ""}`,
      note: `${c.warmup} warm-up + ${run.roundsMs.length} measured rounds; setup ${f.setupMs} ms; gateway-measured p50 ${f.gateway.p50Ms} ms`,
      metrics: { roundP50Ms: f.client.p50Ms, roundP99Ms: f.client.p99Ms, roundMinMs: f.client.minMs, setupMs: f.setupMs, gatewayRoundP50Ms: f.gateway.p50Ms, rounds: run.roundsMs.length },
    };
  },
};
