import { errorMessage, type SandboxLevel } from "@medusa/core";
import type { Runtime } from "@medusa/core/program";
import { killIfWorkedWhileIdle, lowerToSpare, raiseToWorking, retireIfSpent } from "./cpu-policing.ts";
import { jobPackageKey, prepareJobPackages } from "./job-packages.ts";
import type { PoolChunk, PoolJob, PoolOptions, PoolSandbox, RunnerInfo } from "./pool-types.ts";
import { RUNNER_DEFAULTS, RUNNER_PROTOCOL_VERSION, type ChunkOutcome, type RunnerError, type RunnerPackages, type RunnerSandbox } from "./protocol.ts";
import { RunnerProcess } from "./runner-process.ts";
import { SlotQueue } from "./slot-queue.ts";
import { readyWithin, startUntilReady } from "./slow-start.ts";
import { WarmSpares } from "./warm-spares.ts";

export type { ChunkOutcome } from "./protocol.ts";
export type { PoolChunk, PoolJob, PoolOptions, PoolSandbox, RunnerInfo } from "./pool-types.ts";

interface JobEntry extends PoolJob {
  idle: RunnerProcess[];
  busy: Set<RunnerProcess>;
  waiting: number;
  lastUsed: number;
  dropped: boolean;
  /** The program failed to load once; it will not load on another runner either. */
  initError?: RunnerError;
  /** A stateful job got its runner once. */
  hadRunner?: boolean;
}

const fail = (message: string, itemIndex?: number): ChunkOutcome => ({ ok: false, error: itemIndex === undefined ? { message } : { message, itemIndex } });

const noPython = (why: string) => `this node runs no Python: its runners have no OS sandbox here (${why})`;

/**
 * The node's side of the sandbox: runner processes, each serving one job.
 * A job takes a warm spare (warm-spares.ts) on its first chunk and keeps it
 * for later chunks, or takes over an idle runner of a sibling job with the
 * same program; a job with packages gets runners of its own (job-packages.ts).
 * Runners that break a limit (cpu-policing.ts, and the
 * per-request limits of runner-process.ts) are killed and their chunk fails
 * with the reason.
 */
export class RunnerPool {
  private readonly spares: WarmSpares;
  private readonly runners = new Set<RunnerProcess>();
  private readonly jobs = new Map<string, JobEntry>();
  private readonly slots: SlotQueue;
  private readonly memoryCapMb: number;
  private readonly cpuSeconds: number;
  private readonly jobIdleMs: number;
  private readonly startupTimeoutMs: number;
  private readonly log: (msg: string) => void;
  private closed = false;
  private sweeper: ReturnType<typeof setInterval> | undefined;
  private found: PoolSandbox | undefined;

  constructor(private readonly opts: PoolOptions) {
    if (!Number.isInteger(opts.slots) || opts.slots < 1) throw new Error(`slots must be a positive integer, got ${opts.slots}`);
    this.slots = new SlotQueue(opts.slots);
    this.memoryCapMb = opts.memoryCapMb ?? RUNNER_DEFAULTS.memoryMb;
    this.cpuSeconds = opts.cpuSecondsPerRunner ?? RUNNER_DEFAULTS.cpuSeconds;
    this.jobIdleMs = opts.jobIdleMs ?? 60_000;
    this.startupTimeoutMs = opts.startupTimeoutMs ?? 60_000;
    this.log = opts.log ?? (() => {});
    this.spares = new WarmSpares({ python: opts.warmPython ?? 1, wasi: opts.warmWasi ?? 0 }, (runtime) => this.spawn(runtime), this.log);
  }

  /** Chunks running now. */
  get busy(): number {
    return this.slots.inUse;
  }

  /** The sandbox level, known once start() resolved. */
  get sandbox(): PoolSandbox {
    if (!this.found) throw new Error("the pool's sandbox is known once start() resolved");
    return this.found;
  }

  /**
   * Finds out what sandbox runners get here (a WASI runner confines itself
   * like any other; a start that is only slow is retried), then starts the
   * warm runners and, unless `waitForWarm` is false, waits for their
   * runtimes (see `ready`); rejects if a runner cannot start at all.
   */
  async start(opts: { waitForWarm?: boolean } = {}): Promise<void> {
    this.sweeper = setInterval(() => this.closeIdleJobs(), Math.min(10_000, this.jobIdleMs / 2));
    this.sweeper.unref?.();
    const { runner: probe, sandbox: { os, detail } } = await startUntilReady(() => this.spawn("wasi"), (r) => this.awaitReady(r), this.log, () => this.closed);
    const level: SandboxLevel = os ? "os-sandbox" : this.opts.allowUnsandboxedPython ? "process" : "wasi-only";
    this.found = { level, runtimes: level === "wasi-only" ? ["wasi"] : ["python", "wasi"], detail };
    if (level === "wasi-only") this.spares.stopKeeping("python");
    if (this.spares.wants("wasi")) this.spares.keep("wasi", probe);
    else probe.kill("sandbox probe done");
    this.refillWarm();
    if (opts.waitForWarm !== false) await this.warmedUp();
  }

  /** Resolves once a warm runner is loaded (retried in the background while they are slow to start); at once if none are kept. */
  get ready(): Promise<void> {
    return this.spares.ready;
  }

  /** Resolves once every spare runner has its runtime loaded; rejects if one cannot start. */
  async warmedUp(): Promise<void> {
    await Promise.all(this.spares.all().map((r) => this.awaitReady(r)));
  }

  async run(job: PoolJob, chunk: PoolChunk): Promise<ChunkOutcome> {
    if (this.closed) return fail("runner pool closed");
    if (this.found && !this.found.runtimes.includes(job.program.runtime)) return fail(noPython(this.found.detail));
    const entry = this.entryFor(job);
    entry.waiting++;
    const granted = await this.slots.acquire(job.jobId);
    entry.waiting--;
    if (!granted) return fail(this.closed ? "runner pool closed" : "cancelled");
    try {
      return await this.runOn(entry, chunk);
    } finally {
      entry.lastUsed = Date.now();
      this.slots.release();
    }
  }

  /** Cancels a job: kills its runners; its running and queued chunks resolve as cancelled. */
  dropJob(jobId: string): void {
    const entry = this.jobs.get(jobId);
    if (!entry) return;
    entry.dropped = true;
    this.jobs.delete(jobId);
    for (const runner of [...entry.idle, ...entry.busy]) runner.kill("cancelled");
    entry.idle = [];
    this.slots.dropJob(jobId);
  }

  /** What each runner is doing, for status pages and tests. */
  runnerInfo(): RunnerInfo[] {
    return [...this.runners].filter((r) => r.isAlive).map((r) => ({ pid: r.pid, runtime: r.runtime, jobId: r.jobId, busy: r.isBusy, ...(r.python ? { python: r.python } : {}) }));
  }

  async close(): Promise<void> {
    this.closed = true;
    this.spares.stop();
    clearInterval(this.sweeper);
    this.slots.close();
    const all = [...this.runners];
    for (const runner of all) runner.kill("runner pool closed");
    await Promise.all(all.map((r) => r.exited));
  }

  private async runOn(entry: JobEntry, chunk: PoolChunk): Promise<ChunkOutcome> {
    if (entry.initError !== undefined) return { ok: false, error: entry.initError };
    let runner: RunnerProcess;
    try {
      runner = await this.runnerFor(entry);
    } catch (err) {
      return entry.initError ? { ok: false, error: entry.initError } : fail(errorMessage(err));
    }
    entry.busy.add(runner);
    try {
      const reply = await runner.request(
        { v: RUNNER_PROTOCOL_VERSION, type: "run", id: runner.newId(), task: chunk.task, items: chunk.items, ...(chunk.binary ? { binary: true as const } : {}) },
        { timeoutMs: entry.timeoutMs, timeoutMessage: `timed out after ${entry.timeoutMs}ms`, memoryCapMb: this.memoryCapMb },
      );
      if (reply.type !== "result") {
        runner.kill("runner answered out of turn");
        return fail("runner answered out of turn");
      }
      if (!entry.stateful) retireIfSpent(runner, this.cpuSeconds);
      return reply.ok ? { ok: true, results: reply.results } : { ok: false, error: reply.error };
    } catch (err) {
      if (runner.isAlive) runner.kill("runner failed");
      await runner.exited;
      this.log(`runner ${runner.pid} (job ${entry.jobId}): ${errorMessage(err)}`);
      return fail(errorMessage(err));
    } finally {
      entry.busy.delete(runner);
      if (runner.isAlive && !entry.dropped) entry.idle.push(runner);
    }
  }

  /** The job's idle runner, or a fresh one (warm if possible) loaded with its program. */
  private async runnerFor(entry: JobEntry): Promise<RunnerProcess> {
    for (let idle = entry.idle.pop(); idle; idle = entry.idle.pop()) {
      // A session's runner holds state no other runner has: its GC and JIT threads
      // after a heavy round, starved on a loaded machine, look like work between
      // calls, and killing it would end the session. It is bounded by RLIMIT_CPU,
      // the round timeout and the session's idle timeout instead.
      if (entry.stateful || !killIfWorkedWhileIdle(idle, entry.jobId, this.log)) return idle;
    }
    if (entry.stateful && entry.hadRunner) throw new Error("the session's runner ended: its partitions' state is lost");
    const adopted = this.adoptSibling(entry);
    if (adopted) return adopted;
    const runtime = entry.program.runtime;
    const packages = await prepareJobPackages(entry, this.opts.packages);
    this.makeRoom();
    const runner = packages ? this.spawn(runtime, packages) : (this.spares.take(runtime) ?? this.spawn(runtime));
    runner.jobId = entry.jobId;
    raiseToWorking(runner);
    this.refillWarm();
    entry.busy.add(runner);
    try {
      const sandbox = await this.awaitReady(runner);
      if (runtime === "python" && !sandbox.os && !this.opts.allowUnsandboxedPython) {
        entry.initError = { message: noPython(sandbox.detail) };
        throw new Error(entry.initError.message);
      }
      const reply = await runner.request(
        { v: RUNNER_PROTOCOL_VERSION, type: "init", runtime, program: entry.program },
        { timeoutMs: entry.timeoutMs, timeoutMessage: `program load timed out after ${entry.timeoutMs}ms`, memoryCapMb: this.memoryCapMb },
      );
      if (reply.type === "init_error") {
        entry.initError = reply.deterministic ? { message: reply.message, deterministic: true } : { message: reply.message };
        throw new Error(reply.message);
      }
      if (reply.type !== "loaded") throw new Error("runner answered out of turn");
      if (entry.dropped) throw new Error("cancelled");
      entry.hadRunner = true;
      return runner;
    } catch (err) {
      runner.kill(errorMessage(err));
      throw err;
    } finally {
      entry.busy.delete(runner);
    }
  }

  /** An idle runner of another job with the same affinity, moved to this job with its program loaded. */
  private adoptSibling(entry: JobEntry): RunnerProcess | undefined {
    if (!entry.affinity || entry.stateful) return undefined;
    for (const other of this.jobs.values()) {
      if (other === entry || other.stateful || other.affinity !== entry.affinity || jobPackageKey(other) !== jobPackageKey(entry)) continue;
      for (let runner = other.idle.pop(); runner; runner = other.idle.pop()) {
        if (killIfWorkedWhileIdle(runner, other.jobId, this.log)) continue;
        runner.jobId = entry.jobId;
        return runner;
      }
    }
    return undefined;
  }

  private spawn(runtime: Runtime, packages?: RunnerPackages): RunnerProcess {
    const args = ["--memory-mb", String(this.memoryCapMb), "--cpu-seconds", String(this.cpuSeconds)];
    if (packages) args.push("--packages", JSON.stringify(packages));
    if (this.opts.osSandbox === false) args.push("--unconfined");
    const runner = RunnerProcess.spawn([...this.opts.runnerCommand(runtime), ...args], runtime);
    // Every runner starts as a spare would, at idle priority, and is raised when a job takes it.
    lowerToSpare(runner);
    this.runners.add(runner);
    void runner.exited.then(() => {
      this.runners.delete(runner);
      this.spares.forget(runtime, runner);
    });
    return runner;
  }

  private awaitReady(runner: RunnerProcess): Promise<RunnerSandbox> {
    return readyWithin(runner, this.startupTimeoutMs);
  }

  private refillWarm(): void {
    if (!this.closed) this.spares.refill();
  }

  /**
   * Keeps the number of processes near slots + spares (a Pyodide runner holds
   * ~150 MB) by closing the least recently used idle runner of some job.
   */
  private makeRoom(): void {
    const limit = this.opts.slots + this.spares.size;
    while (this.runners.size >= limit) {
      let oldest: { entry: JobEntry; runner: RunnerProcess } | undefined;
      for (const entry of this.jobs.values()) {
        if (entry.stateful) continue;
        for (const runner of entry.idle) if (!oldest || runner.lastUsed < oldest.runner.lastUsed) oldest = { entry, runner };
      }
      if (!oldest) return;
      oldest.entry.idle.splice(oldest.entry.idle.indexOf(oldest.runner), 1);
      oldest.runner.kill("closed to make room");
      this.runners.delete(oldest.runner);
    }
  }

  private closeIdleJobs(): void {
    const now = Date.now();
    for (const entry of this.jobs.values()) {
      if (!entry.stateful) entry.idle = entry.idle.filter((r) => !killIfWorkedWhileIdle(r, entry.jobId, this.log));
      if (entry.stateful || entry.busy.size > 0 || entry.waiting > 0 || now - entry.lastUsed < this.jobIdleMs) continue;
      for (const runner of entry.idle) runner.kill("job idle");
      this.jobs.delete(entry.jobId);
    }
  }

  private entryFor(job: PoolJob): JobEntry {
    let entry = this.jobs.get(job.jobId);
    if (!entry) {
      entry = { ...job, idle: [], busy: new Set(), waiting: 0, lastUsed: Date.now(), dropped: false };
      this.jobs.set(job.jobId, entry);
    }
    return entry;
  }
}
