/**
 * Cold start: how long Python takes to be ready when no warm runner is, with
 * runners that boot Pyodide ("booted", what a node did before the snapshot),
 * runners that restore the node's Pyodide memory snapshot
 * (node/src/runner/python-snapshot.ts) but leave the wasm compile to Pyodide
 * ("restored-late", what a node did before wasm-early.ts), and runners that
 * restore it with the module compiled first thing, while their modules load
 * ("restored", what a node does now), measured one after the other in one
 * sitting, each figure with the 1-minute load average beside it:
 *
 * 1. a runner's time to ready (spawn → `ready`, runtime loaded and confined),
 *    the CPU it used to get there (all threads), and its memory once ready
 *    (RSS, PSS, anonymous: the snapshot's cost);
 * 2. a new job's first result on a node whose spares are all taken (the pool
 *    keeps none, so the job's runner starts for it);
 * 3. a burst of 20 one-item jobs from 20 accounts on the embedded stack's 2
 *    local nodes (MEDUSA_PYTHON_SNAPSHOT=0 for booted): first-result p50/p99,
 *    submit → the job's first chunk event.
 *
 *   bun bench/cold-start.ts [--quick]     (also part of `npm run bench`)
 *
 * Runners start from source (`bun node/src/runner/runner-entry.ts`), as in
 * development; the compiled node starts each a little faster. Writes
 * bench/results/cold-start-<timestamp>.json.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Runtime } from "@medusa/core/program";
import { MedusaClient } from "@medusa/client";
import { cacheRoot } from "../node/src/pyodide-assets.ts";
import { defaultPyodideIndexURL } from "../node/src/runner/python-runtime.ts";
import { ensurePythonSnapshot } from "../node/src/runner/python-snapshot.ts";
import { RunnerPool } from "../node/src/runner/runner-pool.ts";
import { cpuSecondsUsed } from "../node/src/runner/proc-stats.ts";
import { RunnerProcess } from "../node/src/runner/runner-process.ts";
import { snapshotRunnerCommand, testRunnerCommand } from "../node/test/runner-pool.ts";
import { INC, runJob } from "./lib/job.ts";
import { loadNow, machine } from "./lib/machine.ts";
import { latencySummary, type LatencySummary } from "./lib/stats.ts";
import { startTarget } from "./lib/target.ts";

const MODES = ["booted", "restored-late", "restored"] as const;
type Mode = (typeof MODES)[number];

export interface ColdRow {
  what: string;
  mode: Mode;
  summary: LatencySummary;
  /** Burst jobs with no result within the budget: the summary is of the others, so the true tail is worse. */
  unfinished?: number;
  /** 1-minute load average before and after the row was measured. */
  load: [number, number];
}

export interface RunnerMemory {
  mode: Mode;
  rssMb: number;
  pssMb: number;
  anonMb: number;
  /** CPU the runner used from spawn to ready, all threads: what a start costs a loaded box, where waiting is the rest. */
  cpuMs: number;
  /** A runner that compiled its module early: ms from its start to the module compiled, and how long loading waited for it. */
  compiledEarly?: { readyAtMs: number; waitedMs: number };
}

export interface ColdStartReport {
  snapshot: { makeMs: number; bytes: number; load: number };
  rows: ColdRow[];
  memory: RunnerMemory[];
}

const BURST = 20;
/** A booted burst on a loaded box takes minutes: ten Pyodide boots in a row per node. */
const BURST_BUDGET_MS = 900_000;

function memoryOf(runner: RunnerProcess, mode: Mode, cpuMs: number): RunnerMemory {
  const text = readFileSync(`/proc/${runner.pid}/smaps_rollup`, "utf8");
  const mb = (field: string) => Math.round(Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(text)?.[1] ?? Number.NaN) / 102.4) / 10;
  const early = runner.python?.compiledEarly;
  return { mode, rssMb: mb("Rss"), pssMb: mb("Pss"), anonMb: mb("Anonymous"), cpuMs, ...(early ? { compiledEarly: early } : {}) };
}

async function measured(what: string, mode: Mode, sample: () => Promise<number[]>): Promise<ColdRow> {
  const before = loadNow()[0];
  const samples = await sample();
  const unfinished = samples.filter(Number.isNaN).length;
  return { what, mode, summary: latencySummary(samples.filter((x) => !Number.isNaN(x))), ...(unfinished ? { unfinished } : {}), load: [before, loadNow()[0]] };
}

/** Spawn → ready, one runner at a time; the memory of each once ready. */
async function timeToReady(command: (runtime: Runtime) => string[], mode: Mode, n: number, memory: RunnerMemory[]): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const runner = RunnerProcess.spawn(command("python"), "python");
    try {
      await runner.ready;
      samples.push(performance.now() - t0);
      const cpuMs = Math.round((cpuSecondsUsed(runner.pid) ?? Number.NaN) * 1000);
      const said = runner.python;
      if (said?.snapshot !== (mode !== "booted") || (said.compiledEarly !== undefined) !== (mode !== "restored-late")) throw new Error(`a ${mode} runner said ${JSON.stringify(said)}`);
      // Once its load's garbage is collected, as a runner waiting for a job would be.
      await Bun.sleep(1000);
      memory.push(memoryOf(runner, mode, cpuMs));
    } finally {
      runner.kill("measured");
      await runner.exited;
    }
  }
  return samples;
}

/** Each new job's first chunk on a pool that keeps no spare: its runner starts for it. */
async function firstResultNoSpare(command: (runtime: Runtime) => string[], n: number): Promise<number[]> {
  const pool = new RunnerPool({ slots: 1, warmPython: 0, runnerCommand: command });
  await pool.start();
  const samples: number[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      const outcome = await pool.run({ jobId: `cold-${i}`, program: INC, timeoutMs: 120_000 }, { task: "map", items: [i] });
      samples.push(performance.now() - t0);
      if (!outcome.ok || (outcome.results as number[])[0] !== i + 1) throw new Error(`job cold-${i}: ${JSON.stringify(outcome)}`);
      pool.dropJob(`cold-${i}`);
    }
  } finally {
    await pool.close();
  }
  return samples;
}

/** 20 accounts each submit one job at once to the embedded stack's 2 nodes; submit → first chunk event. */
async function burst(mode: Exclude<Mode, "restored-late">, log: (msg: string) => void): Promise<number[]> {
  // The stack's nodes use the user's cache: make sure the snapshot is there before they start, as on any node's second start.
  if (mode === "restored") await ensurePythonSnapshot({ dir: join(cacheRoot(), "snapshots"), pyodideDir: defaultPyodideIndexURL(), runnerCommand: testRunnerCommand("python"), log });
  const target = await startTarget("embedded", log, { MEDUSA_PYTHON_SNAPSHOT: mode === "restored" ? "1" : "0" });
  try {
    const anon = new MedusaClient(target.client.url);
    // One after another: twenty sign-ups at once time out on a loaded box, and they are not what is measured.
    const clients: MedusaClient[] = [];
    for (let i = 0; i < BURST; i++) clients.push(anon.withKey((await anon.signUp(`cold-${mode}-${i}-${Date.now()}@example.com`, "bench-password")).apiKey));
    const jobs = await Promise.all(clients.map((client, i) => runJob(client, { name: `cold-${i}`, program: INC, input: { items: [i] }, chunkSize: 1 }, { budgetMs: BURST_BUDGET_MS })));
    for (const [i, job] of jobs.entries()) {
      if (job.state === "over_budget") log(`  burst job ${i}: no result within ${BURST_BUDGET_MS / 1000} s`);
      // On a box at load 30 a booted runner can miss the pool's 60 s start timeout: counted as unfinished, said why.
      else if (job.state !== "done") log(`  burst job ${i}: ${job.state} ${job.error ?? ""}`);
      else if (job.results[0] !== i + 1) throw new Error(`burst job ${i}: wrong result ${JSON.stringify(job.results)}`);
    }
    return jobs.map((j) => (j.state === "done" ? j.times.firstChunk : Number.NaN));
  } finally {
    await target.close();
  }
}

export async function coldStart({ quick, log }: { quick: boolean; log: (msg: string) => void }): Promise<ColdStartReport> {
  const n = quick ? 2 : 5;
  const dir = mkdtempSync(join(tmpdir(), "medusa-cold-"));
  try {
    const load = loadNow()[0];
    const t0 = performance.now();
    const path = await ensurePythonSnapshot({ dir, pyodideDir: defaultPyodideIndexURL(), runnerCommand: testRunnerCommand("python"), log: (m) => log(`  ${m}`) });
    if (!path) throw new Error("no snapshot could be made");
    const snapshot = { makeMs: Math.round(performance.now() - t0), bytes: Bun.file(path).size, load };
    const restored = snapshotRunnerCommand(path);
    const commands: Record<Mode, (runtime: Runtime) => string[]> = {
      booted: testRunnerCommand,
      "restored-late": (runtime) => [...restored(runtime), "--compile-late"],
      restored,
    };
    const rows: ColdRow[] = [];
    const memory: RunnerMemory[] = [];
    const add = (row: ColdRow) => {
      rows.push(row);
      log(`  ${row.what}, ${row.mode}: p50 ${row.summary.p50Ms} ms, max ${row.summary.maxMs} ms (load ${row.load.join(" → ")})`);
    };
    for (const mode of MODES) add(await measured("runner spawn → ready", mode, () => timeToReady(commands[mode], mode, n, memory)));
    for (const mode of MODES) add(await measured("new job → first result, no spare free", mode, () => firstResultNoSpare(commands[mode], n)));
    for (const mode of ["booted", "restored"] as const) add(await measured(`burst of ${BURST} jobs, ${BURST} accounts, 2 nodes: submit → first result`, mode, () => burst(mode, log)));
    return { snapshot, rows, memory };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The rows as the bench prints them, and each mode's mean memory per runner. */
export function coldStartTable(report: ColdStartReport): string {
  const width = Math.max(...report.rows.map((r) => r.what.length));
  const lines = [`${"cold start".padEnd(width)}  mode           ${"n".padStart(3)}  ${"p50 ms".padStart(8)}  ${"p99 ms".padStart(8)}  ${"mean ms".padStart(8)}  load 1m`];
  for (const r of report.rows) {
    const cells = [r.summary.p50Ms, r.summary.p99Ms, r.summary.meanMs].map((x) => x.toFixed(0).padStart(8)).join("  ");
    const unfinished = r.unfinished ? `  (${r.unfinished} without a result in ${BURST_BUDGET_MS / 1000} s)` : "";
    lines.push(`${r.what.padEnd(width)}  ${r.mode.padEnd(13)}  ${String(r.summary.n).padStart(3)}  ${cells}  ${r.load.join(" → ")}${unfinished}`);
  }
  const s = report.snapshot;
  lines.push("", `snapshot: made in ${s.makeMs} ms (load ${s.load}), ${Math.round(s.bytes / 1024 / 1024)} MB on disk`);
  for (const mode of MODES) {
    const m = report.memory.filter((x) => x.mode === mode);
    const mean = (pick: (x: RunnerMemory) => number) => Math.round(m.reduce((a, x) => a + pick(x), 0) / Math.max(1, m.length));
    const early = m.length > 0 && m.every((x) => x.compiledEarly)
      ? `; module compiled ${mean((x) => x.compiledEarly!.readyAtMs)} ms after start, loading waited ${mean((x) => x.compiledEarly!.waitedMs)} ms for it`
      : "";
    lines.push(`a ready ${mode} runner (mean of ${m.length}): RSS ${mean((x) => x.rssMb)} MB, PSS ${mean((x) => x.pssMb)} MB, anonymous ${mean((x) => x.anonMb)} MB; CPU to ready ${mean((x) => x.cpuMs)} ms${early}`);
  }
  return lines.join("\n");
}

export async function writeColdStart(report: ColdStartReport, command: string): Promise<string> {
  const dir = join(import.meta.dir, "results");
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `cold-start-${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
  await Bun.write(file, `${JSON.stringify({ startedAt: new Date().toISOString(), command, machine: machine(), ...report }, null, 2)}\n`);
  return file;
}

if (import.meta.main) {
  const quick = process.argv.includes("--quick") || process.env.BENCH_QUICK === "1";
  const report = await coldStart({ quick, log: (m) => console.log(m) });
  console.log(`\n${coldStartTable(report)}`);
  console.log(`\nwrote ${await writeColdStart(report, `bun bench/cold-start.ts${quick ? " --quick" : ""}`)}`);
  process.exit(0);
}
