import { join } from "node:path";
import { z } from "zod";
import { python, runJob } from "../lib/job.ts";
import { quiesce } from "../lib/quiesce.ts";
import { PRIMES_CHUNKS, PRIMES_EXPECTED, PRIMES_LIMIT, PRIMES_SOURCE, primeChunks } from "./primes.ts";
import { round, type Measured, type Workload } from "./workload.ts";

/**
 * W3 CPU-bound: primes below 2,000,000 by trial division in 200 ranges of
 * 10,000, one chunk per range, summed on the client; wall time from submit
 * to the last result, and speedup over one plain process of the same runtime.
 */
const BUDGET_MS = 180_000;
const PlainRun = z.object({ count: z.number(), loadMs: z.number(), countMs: z.number() });

export async function plainBaseline(): Promise<z.infer<typeof PlainRun>> {
  const proc = Bun.spawn([process.execPath, join(import.meta.dir, "w3-plain.ts")], { stdout: "pipe", stderr: "inherit" });
  const out = await new Response(proc.stdout).text();
  if ((await proc.exited) !== 0) throw new Error(`W3 plain baseline exited ${proc.exitCode}`);
  return PlainRun.parse(JSON.parse(out.trim().split("\n").at(-1)!));
}

export const w3: Workload = {
  id: "W3",
  title: "CPU-bound: primes < 2M, 200 chunks",
  async run({ target, log }): Promise<Measured> {
    // --quick keeps the full definition: it is short, and a smaller W3 would not compare with anything.
    const job = await runJob(target.client, { name: "bench-w3", program: python(PRIMES_SOURCE), input: { items: primeChunks() }, chunkSize: 1, timeoutMs: 120_000 }, { budgetMs: BUDGET_MS });
    if (job.state === "over_budget") {
      return { status: "bounded", headline: `not finished: ${job.chunksDone}/${PRIMES_CHUNKS} chunks in ${BUDGET_MS / 1000} s`, metrics: { chunksDone: job.chunksDone } };
    }
    if (job.state !== "done") throw new Error(`W3 job ended ${job.state}: ${job.error ?? ""}`);
    const count = (job.results as number[]).reduce((a, b) => a + b, 0);
    if (count !== PRIMES_EXPECTED) throw new Error(`W3 counted ${count} primes below ${PRIMES_LIMIT}, expected ${PRIMES_EXPECTED}`);
    const wallS = round(job.times.results / 1000, 2);
    log(`  W3: ${count} primes in ${wallS} s; running the one-process baseline`);
    await quiesce();
    const plain = await plainBaseline();
    if (plain.count !== PRIMES_EXPECTED) throw new Error(`W3 baseline counted ${plain.count}`);
    const plainS = round(plain.countMs / 1000, 2);
    const speedup = round(plainS / wallS, 2);
    return {
      status: "ok",
      headline: `${wallS} s (speedup ${speedup}x over 1 plain Pyodide process: ${plainS} s)`,
      note: "baseline: PythonRuntime (Pyodide in Bun) in a fresh process, program load excluded",
      metrics: { wallS, plainS, speedup, firstResultMs: round(job.times.firstChunk), plainLoadMs: round(plain.loadMs) },
    };
  },
};
