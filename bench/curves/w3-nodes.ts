import { availableParallelism } from "node:os";
import { python, runJob } from "../lib/job.ts";
import { quiesce } from "../lib/quiesce.ts";
import { curvePoint, type CurvePoint } from "../lib/report.ts";
import { startTarget } from "../lib/target.ts";
import { PRIMES_EXPECTED, PRIMES_SOURCE, primeChunks } from "../workloads/primes.ts";
import { plainBaseline } from "../workloads/w3-cpu.ts";
import { round, type Measured, type Workload } from "../workloads/workload.ts";

/**
 * W3 as nodes are added: W3's job (primes < 2M, 200 chunks) on a fresh stack
 * of the target's kind with 1, 2, 3 and 4 local nodes (each with the default
 * slot count, cores − 1), beside one plain Pyodide process counting the same
 * range (program load excluded). The speedup can grow with the nodes only
 * up to the machine's cores: on 2 cores it must reach about 2 at 2 nodes and
 * stay there, and a fall past 2 is the cost of more runners sharing them.
 */
const NODES = [1, 2, 3, 4];
const BUDGET_MS = 180_000;
/** A fresh stack's runners load Python while it starts; that load must be over before the job is timed. */
const SETTLE_MS = 60_000;

export const w3Nodes: Workload = {
  id: "W3-nodes",
  title: "W3 speedup with 1 / 2 / 3 / 4 local nodes",
  async run({ target, log }): Promise<Measured> {
    const points: Array<CurvePoint & { wallS: number }> = [];
    for (const nodes of NODES) {
      const stack = await startTarget(target.name, log, { MEDUSA_LOCAL_NODES: String(nodes) });
      try {
        await quiesce(SETTLE_MS);
        const job = await runJob(stack.client, { name: "bench-w3-nodes", program: python(PRIMES_SOURCE), input: { items: primeChunks() }, chunkSize: 1, timeoutMs: 120_000 }, { budgetMs: BUDGET_MS });
        if (job.state !== "done" && job.state !== "over_budget") throw new Error(`W3-nodes job on ${nodes} node(s) ended ${job.state}: ${job.error ?? ""}`);
        const count = (job.results as number[]).reduce((a, b) => a + b, 0);
        if (job.state === "done" && count !== PRIMES_EXPECTED) throw new Error(`W3-nodes counted ${count} primes on ${nodes} node(s), expected ${PRIMES_EXPECTED}`);
        const wallS = round((job.state === "done" ? job.times.results : job.times.final) / 1000, 2);
        log(`  W3-nodes ${nodes}: ${job.state}, ${wallS} s`);
        points.push({ ...curvePoint(nodes, job.state === "done" ? "ok" : "bounded", { wallS, chunksDone: job.chunksDone }), wallS });
      } finally {
        await stack.close();
      }
    }
    await quiesce();
    const plain = await plainBaseline();
    if (plain.count !== PRIMES_EXPECTED) throw new Error(`W3-nodes baseline counted ${plain.count}`);
    const plainS = round(plain.countMs / 1000, 2);
    // A point cut short has no speedup to give: its job did not finish.
    for (const p of points) if (p.status === "ok") p.values.speedup = round(plainS / p.wallS, 2);
    const bounded = points.some((p) => p.status !== "ok");
    return {
      status: bounded ? "bounded" : "ok",
      headline: `speedup ${points.map((p) => `${p.x} node(s): ${p.values.speedup ?? "not finished"}`).join(", ")} (1 plain Pyodide process: ${plainS} s)`,
      note: `${availableParallelism()} cores; each point a fresh stack, runners let go idle before the job; baseline one plain Pyodide process, program load excluded`,
      metrics: { plainS, ...Object.fromEntries(points.flatMap((p) => [[`wallS_${p.x}`, p.values.wallS!], ...(p.values.speedup === undefined ? [] : [[`speedup_${p.x}`, p.values.speedup]])])) },
      curve: { xLabel: "local nodes", points: points.map(({ wallS: _, ...p }) => p) },
    };
  },
};
