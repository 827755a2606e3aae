/**
 * What the node's sandbox costs.
 *
 *   bun bench/sandbox.ts [--chunks 200] [--jobs 5]
 *
 * 1. Chunk latency on a warm runner (the job's runner is already loaded), for
 *    Python (map x*2 over 100 items) and WASI (echo of 100 items), three ways:
 *    the runtime in this process (no boundary), a runner process without the
 *    OS sandbox (`--unconfined`), and a runner process with it (seccomp +
 *    rlimits, what a node runs).
 * 2. A new job's time to its first result: with the warm pool (a runner
 *    loaded before the job existed) and without (the runner starts for it),
 *    with the sandbox on.
 *
 * Runners start from source (`bun node/src/runner/runner-entry.ts`), as the
 * node does in development. Prints a table and writes
 * bench/results/sandbox-<timestamp>.json.
 */
import { mkdirSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { join } from "node:path";
import type { RunnableProgram } from "@medusa/core/program";
import type { ProgramRuntime } from "../node/src/runner/program-runtime.ts";
import { PythonRuntime } from "../node/src/runner/python-runtime.ts";
import { RunnerPool } from "../node/src/runner/runner-pool.ts";
import { testRunnerCommand } from "../node/test/runner-pool.ts";
import { wasiProgram } from "@medusa/testing/wat-fixtures";
import { WasiRuntime } from "../node/src/runner/wasi-runtime.ts";

const arg = (name: string, fallback: number) => {
  const at = process.argv.indexOf(`--${name}`);
  const value = at > 0 ? Number(process.argv[at + 1]) : fallback;
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} takes a positive whole number`);
  return value;
};
const CHUNKS = arg("chunks", 200);
const JOBS = arg("jobs", 5);
const ITEMS = Array.from({ length: 100 }, (_, i) => i);
const PYTHON: RunnableProgram = { runtime: "python", source: "def map(x):\n    return x * 2\n" };
const WASI = await wasiProgram("echo");

interface Row {
  what: string;
  runtime: string;
  n: number;
  p50: number;
  p95: number;
  mean: number;
  load1m: number;
}

function row(what: string, runtime: string, samples: number[]): Row {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  const round = (x: number) => Math.round(x * 1000) / 1000;
  const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
  return { what, runtime, n: samples.length, p50: round(at(0.5)), p95: round(at(0.95)), mean: round(mean), load1m: Math.round(loadavg()[0]! * 100) / 100 };
}

async function inProcess(program: RunnableProgram): Promise<number[]> {
  const runtime: ProgramRuntime = program.runtime === "python" ? await PythonRuntime.load() : new WasiRuntime();
  if (await runtime.init(program)) throw new Error("program did not load");
  const samples: number[] = [];
  for (let i = 0; i < CHUNKS + 5; i++) {
    const t0 = performance.now();
    const body = await runtime.run("map", ITEMS);
    if (i >= 5) samples.push(performance.now() - t0);
    if (!body.startsWith('{"ok":true')) throw new Error(body);
  }
  return samples;
}

/** Sequential chunks of one job on its runner; the first (which loads the job) is not counted. */
async function throughRunner(program: RunnableProgram, osSandbox: boolean): Promise<number[]> {
  const pool = new RunnerPool({ slots: 1, warmPython: 0, runnerCommand: testRunnerCommand, osSandbox, allowUnsandboxedPython: !osSandbox });
  await pool.start();
  if (pool.sandbox.level !== (osSandbox ? "os-sandbox" : "process")) throw new Error(`sandbox is ${pool.sandbox.level}`);
  const job = { jobId: "bench", program, timeoutMs: 60_000 };
  const samples: number[] = [];
  try {
    for (let i = 0; i < CHUNKS + 5; i++) {
      const t0 = performance.now();
      const outcome = await pool.run(job, { task: "map", items: ITEMS });
      if (i >= 5) samples.push(performance.now() - t0);
      if (!outcome.ok) throw new Error(outcome.error.message);
    }
  } finally {
    await pool.close();
  }
  return samples;
}

/** Each new job's first chunk, from the call to its result; the pool refills its spare between jobs. */
async function firstResult(program: RunnableProgram, warm: boolean): Promise<number[]> {
  const spares = warm ? 1 : 0;
  const pool = new RunnerPool({ slots: 1, warmPython: program.runtime === "python" ? spares : 0, warmWasi: program.runtime === "wasi" ? spares : 0, runnerCommand: testRunnerCommand });
  await pool.start();
  const samples: number[] = [];
  try {
    for (let i = 0; i < JOBS; i++) {
      await pool.warmedUp();
      const t0 = performance.now();
      const outcome = await pool.run({ jobId: `job-${i}`, program, timeoutMs: 60_000 }, { task: "map", items: ITEMS });
      samples.push(performance.now() - t0);
      if (!outcome.ok) throw new Error(outcome.error.message);
      pool.dropJob(`job-${i}`);
    }
  } finally {
    await pool.close();
  }
  return samples;
}

const rows: Row[] = [];
for (const [name, program] of [["python", PYTHON], ["wasi", WASI]] as const) {
  rows.push(row("chunk, runtime in this process", name, await inProcess(program)));
  rows.push(row("chunk, runner process, no OS sandbox", name, await throughRunner(program, false)));
  rows.push(row("chunk, runner process, seccomp + rlimits", name, await throughRunner(program, true)));
}
for (const [name, program] of [["python", PYTHON], ["wasi", WASI]] as const) {
  rows.push(row("new job → first result, warm pool", name, await firstResult(program, true)));
  rows.push(row("new job → first result, no spare runner", name, await firstResult(program, false)));
}

const width = Math.max(...rows.map((r) => r.what.length));
console.log(`\nSandbox cost (chunks of ${ITEMS.length} items; ${CHUNKS} chunks per latency row, ${JOBS} jobs per first-result row)\n`);
console.log(`${"what".padEnd(width)}  runtime  ${"n".padStart(4)}  ${"p50 ms".padStart(9)}  ${"p95 ms".padStart(9)}  ${"mean ms".padStart(9)}  load 1m`);
for (const r of rows) {
  const cells = [r.p50, r.p95, r.mean].map((x) => x.toFixed(3).padStart(9)).join("  ");
  console.log(`${r.what.padEnd(width)}  ${r.runtime.padEnd(7)}  ${String(r.n).padStart(4)}  ${cells}  ${r.load1m}`);
}
const machine = { cpus: cpus().length, cpuModel: cpus()[0]?.model, memGiB: Math.round(totalmem() / 2 ** 30), bun: Bun.version, platform: `${process.platform} ${process.arch}` };
mkdirSync(join(import.meta.dir, "results"), { recursive: true });
const file = join(import.meta.dir, "results", `sandbox-${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
await Bun.write(file, JSON.stringify({ startedAt: new Date().toISOString(), command: `bun bench/sandbox.ts --chunks ${CHUNKS} --jobs ${JOBS}`, machine, items: ITEMS.length, rows }, null, 2));
console.log(`\nwrote ${file}`);
process.exit(0);
