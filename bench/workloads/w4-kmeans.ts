import { initialCentroids, KMEANS_PROGRAM, kmeansPoints, reduceCentroids, type Point } from "../../examples/kmeans/kmeans.ts";
import { driveSession, roundFigures } from "./sessions.ts";
import { round, type Measured, type Workload } from "./workload.ts";

/**
 * W4 iterative: k-means (k = 8) on the peers' 200,000 LCG points, 20
 * contiguous partitions set up once, 20 rounds with no early stop; per-round
 * p50 at the client. The kernel is the peers' pure-Python one
 * (kmeans_partial_py), so it compares with Dask's W4py; the final SSE must be
 * the peers' 1200097.1585.
 */
const POINTS = 200_000;
const PARTITIONS = 20;
const ROUNDS = 20;
const FINAL_SSE = 1200097.1585;

export const w4: Workload = {
  id: "W4",
  title: "iterative: k-means 200k points, 20 partitions, 20 rounds",
  async run(ctx): Promise<Measured> {
    // --quick keeps the definition: 20 rounds are short, and fewer would not compare.
    const points = kmeansPoints(POINTS);
    let centroids: Point[] = initialCentroids(points);
    let sse = Number.NaN;
    const run = await driveSession(
      ctx,
      { name: "bench-w4", program: { runtime: "python", source: KMEANS_PROGRAM }, input: { items: points }, partitions: PARTITIONS, timeoutMs: 120_000 },
      {
        warmup: 0,
        rounds: ROUNDS,
        budgetMs: 180_000,
        params: () => ({ centroids }),
        fold: (partials) => {
          if (partials.length !== PARTITIONS) throw new Error(`W4 round returned ${partials.length} partials, expected ${PARTITIONS}`);
          const next = reduceCentroids(partials, centroids);
          centroids = next.centroids;
          sse = next.sse;
          return sse;
        },
      },
    );
    const f = roundFigures(run);
    const done = run.roundsMs.length;
    if (done === ROUNDS && Math.abs(sse - FINAL_SSE) > 1e-3) throw new Error(`W4 final SSE ${sse}, expected ${FINAL_SSE}`);
    return {
      status: done < ROUNDS ? "bounded" : "ok",
      headline: `per-round p50 ${f.client.p50Ms} ms (p90 ${f.client.p90Ms}), ${ROUNDS} rounds ${round(run.roundsMs.reduce((a, b) => a + b, 0) / 1000, 2)} s; setup ${round(f.setupMs / 1000, 2)} s${done < ROUNDS ? ` (bounded: ${done} rounds)` : ""}`,
      note: `final SSE ${round(sse, 4)}; gateway-measured round p50 ${f.gateway.p50Ms} ms`,
      metrics: { roundP50Ms: f.client.p50Ms, roundP90Ms: f.client.p90Ms, roundMinMs: f.client.minMs, setupMs: f.setupMs, gatewayRoundP50Ms: f.gateway.p50Ms, finalSse: sse, rounds: done },
      detail: { roundsMs: run.roundsMs.map((x) => round(x, 2)) },
    };
  },
};
