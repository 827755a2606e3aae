import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { z } from "zod";
import { runJob } from "../lib/job.ts";
import { quiesce } from "../lib/quiesce.ts";
import { PRIMES_CHUNKS, PRIMES_EXPECTED, PRIMES_LIMIT, primeChunks } from "./primes.ts";
import { round, type Measured, type Workload } from "./workload.ts";

/**
 * W3-wasi: W3's definition exactly (primes < 2,000,000 by the same trial
 * division, 200 ranges of 10,000, one chunk each, summed on the client), with
 * the kernel in C (examples/wasi-c/primes.c) compiled to a WASI module. Beside
 * it: the same module in one plain process of the nodes' runtime, and the
 * same C compiled natively, in one process. What a consumer gains by
 * compiling is W3's Python figure against this one.
 */
const BUDGET_MS = 180_000;
const BUILD = resolve(import.meta.dir, "../../examples/wasi-c/build.sh");
const Plain = z.object({ count: z.number(), loadMs: z.number(), countMs: z.number() });

function build(dir: string, args: string[] = []): string | null {
  const run = Bun.spawnSync(["sh", BUILD, ...args], { env: { ...process.env, OUT: dir }, stdout: "pipe", stderr: "pipe" });
  return run.exitCode === 0 ? null : run.stderr.toString().trim() || `build.sh exited ${run.exitCode}`;
}

async function plainWasi(wasm: string): Promise<z.infer<typeof Plain>> {
  const proc = Bun.spawn([process.execPath, join(import.meta.dir, "w3-wasi-plain.ts"), wasm], { stdout: "pipe", stderr: "inherit" });
  const out = await new Response(proc.stdout).text();
  if ((await proc.exited) !== 0) throw new Error(`W3-wasi plain baseline exited ${proc.exitCode}`);
  return Plain.parse(JSON.parse(out.trim().split("\n").at(-1)!));
}

/** One native process over the whole range, process start included (it is a millisecond). */
async function native(exe: string): Promise<{ count: number; ms: number }> {
  const t0 = performance.now();
  const proc = Bun.spawn([exe], { stdin: Buffer.from(`[0, ${PRIMES_LIMIT}]\n`), stdout: "pipe" });
  const out = await new Response(proc.stdout).text();
  if ((await proc.exited) !== 0) throw new Error(`primes-native exited ${proc.exitCode}`);
  return { count: Number(out.trim()), ms: performance.now() - t0 };
}

export const w3wasi: Workload = {
  id: "W3-wasi",
  title: "CPU-bound in C as WASI: primes < 2M, 200 chunks",
  async run({ target, log }): Promise<Measured> {
    const dir = mkdtempSync(join(tmpdir(), "medusa-w3-wasi-"));
    try {
      const why = build(dir) ?? build(dir, ["native"]);
      if (why) return { status: "not_run", headline: `not run: examples/wasi-c does not build here (apt-get install clang lld wasi-libc libclang-rt-14-dev-wasm32): ${why.split("\n")[0]}`, metrics: {} };
      await target.client.upload("bench/primes.wasm", Bun.file(join(dir, "primes.wasm")));
      const job = await runJob(target.client, { name: "bench-w3-wasi", program: { runtime: "wasi", module: "bench/primes.wasm" }, input: { items: primeChunks() }, chunkSize: 1, timeoutMs: 120_000 }, { budgetMs: BUDGET_MS });
      if (job.state === "over_budget") return { status: "bounded", headline: `not finished: ${job.chunksDone}/${PRIMES_CHUNKS} chunks in ${BUDGET_MS / 1000} s`, metrics: { chunksDone: job.chunksDone } };
      if (job.state !== "done") throw new Error(`W3-wasi job ended ${job.state}: ${job.error ?? ""}`);
      const count = (job.results as number[]).reduce((a, b) => a + b, 0);
      if (count !== PRIMES_EXPECTED) throw new Error(`W3-wasi counted ${count} primes below ${PRIMES_LIMIT}, expected ${PRIMES_EXPECTED}`);
      const wallS = round(job.times.results / 1000, 2);
      log(`  W3-wasi: ${count} primes in ${wallS} s; running the one-process baselines`);
      await quiesce();
      const plain = await plainWasi(join(dir, "primes.wasm"));
      const nat = await native(join(dir, "primes-native"));
      for (const c of [plain.count, nat.count]) if (c !== PRIMES_EXPECTED) throw new Error(`W3-wasi baseline counted ${c}`);
      const plainS = round(plain.countMs / 1000, 2);
      const nativeS = round(nat.ms / 1000, 2);
      return {
        status: "ok",
        headline: `${wallS} s (speedup ${round(plainS / wallS, 2)}x over 1 plain WASI process: ${plainS} s; 1 native process: ${nativeS} s)`,
        note: "kernel: examples/wasi-c/primes.c; baselines: the module in WasiRuntime in a fresh Bun process (compile excluded), and the same C by cc -O2",
        metrics: { wallS, plainS, nativeS, speedup: round(plainS / wallS, 2), firstResultMs: round(job.times.firstChunk), plainLoadMs: round(plain.loadMs) },
      };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
