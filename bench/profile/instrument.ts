/**
 * Profiling probes for the embedded stack, put in from the outside: the
 * prototypes of the bus, chunk store and runner classes are wrapped before
 * the stack starts, so every span is timed without a line of service code
 * changing. Costs a JSON parse per bus request; use it to find where the
 * time goes, not for the headline figures (bench/run.ts has no probes).
 */
import { Database } from "bun:sqlite";
import { setPriority } from "node:os";
import { MemoryBus, NatsBus, RedisChunkStore, SqliteChunkStore } from "@medusa/adapters";
import { RunnerPool } from "@medusa/node/runner/runner-pool";
import { RunnerProcess } from "@medusa/node/runner/runner-process";

export interface Span {
  kind: "bus" | "store" | "pool" | "runner" | "event";
  name: string;
  jobId?: string;
  start: number;
  end: number;
}

export const spans: Span[] = [];
export const runnerPids = new Set<number>();
const decoder = new TextDecoder();

type Method = (...args: unknown[]) => unknown;
type Finish = (result: unknown) => Partial<Span> | void;

function wrap(target: object, name: string, kind: Span["kind"], tag: (args: unknown[], self: unknown) => Partial<Span>, finish?: Finish): void {
  const proto = target as Record<string, Method>;
  const original = proto[name];
  if (typeof original !== "function") throw new Error(`cannot probe ${name}: not a method`);
  proto[name] = function (this: unknown, ...args: unknown[]) {
    const start = performance.now();
    const base = { kind, name, ...tag(args, this) };
    const record = (result: unknown) => spans.push({ ...base, ...(finish?.(result) ?? {}), start, end: performance.now() } as Span);
    const out = original.apply(this, args);
    if (out instanceof Promise) return out.then((r) => (record(r), r), (e) => (record(undefined), Promise.reject(e)));
    record(out);
    return out;
  };
}

const jobIdIn = (data: unknown): string | undefined => {
  try {
    // A batch of results (chunks.complete) names its jobs per result.
    const body = JSON.parse(decoder.decode(data as Uint8Array)) as { data?: { jobId?: string; results?: Array<{ jobId?: string }> } };
    return body.data?.jobId ?? body.data?.results?.[0]?.jobId;
  } catch {
    return undefined;
  }
};
const lastToken = (subject: unknown) => String(subject).split(".").slice(-2).join(".");

let installed = false;

export function install(): void {
  if (installed) return;
  installed = true;
  for (const Bus of [MemoryBus, NatsBus]) {
    // A lease reply names the job only in its body, so the leased job is read from the reply.
    // A lease reply names its job only in the body, and so does a created job's status.
    wrap(Bus.prototype, "request", "bus", ([subject, data]) => ({ name: lastToken(subject), jobId: jobIdIn(data) }), (reply) => {
      if (!(reply instanceof Uint8Array)) return;
      const data = (JSON.parse(decoder.decode(reply)) as { data?: { id?: string; leases?: Array<{ jobId: string }> } }).data;
      if (data?.leases?.length) return { jobId: data.leases[0]!.jobId };
      if (data?.id?.startsWith("job")) return { jobId: data.id };
    });
    wrap(Bus.prototype, "publish", "event", ([subject]) => ({ name: String(subject).split(".").slice(0, -1).join(".") || String(subject) }));
  }
  for (const Store of [SqliteChunkStore, RedisChunkStore]) {
    for (const method of ["createJob", "addChunks", "sealJob", "leaseChunks", "completeChunk", "getJob", "readResults", "readEvents"]) {
      wrap(Store.prototype, method, "store", (args) => ({ name: method, jobId: typeof args[0] === "string" ? args[0] : (args[0] as { jobId?: string; id?: string })?.jobId ?? (args[0] as { id?: string })?.id }));
    }
  }
  wrap(RunnerPool.prototype, "run", "pool", ([job]) => ({ name: "run", jobId: (job as { jobId: string }).jobId }));
  // Private, but where a chunk waits for a runner to be loaded with its program.
  wrap(RunnerPool.prototype, "runnerFor", "pool", ([entry]) => ({ name: "runnerFor", jobId: (entry as { jobId: string }).jobId }));
  wrap(RunnerProcess.prototype, "request", "runner", ([message], self) => ({ name: (message as { type: string }).type, jobId: (self as RunnerProcess).jobId }));
  const spawn = RunnerProcess.spawn;
  RunnerProcess.spawn = (cmd, runtime) => {
    const start = performance.now();
    const runner = spawn(cmd, runtime);
    runnerPids.add(runner.pid);
    runner.ready.then(() => spans.push({ kind: "runner", name: `load-${runtime}`, start, end: performance.now() }), () => {});
    return runner;
  };
}

/**
 * Makes every node load `n` Python runners before it connects and then stop
 * replacing the ones jobs take, so a run of up to slots × n jobs measures the
 * path a job takes when a loaded runner is at hand, with no Pyodide load
 * competing for the CPU.
 */
export function preloadPython(n: number): void {
  type PoolInternals = { warmTarget: { python: number }; warm: { python: RunnerProcess[] }; refillWarm(): void };
  const start = RunnerPool.prototype.start;
  RunnerPool.prototype.start = async function (this: RunnerPool) {
    const self = this as unknown as PoolInternals;
    await start.call(this);
    // One more at a time: loading many Pyodides at once on 2 cores runs past the startup timeout.
    for (let k = self.warmTarget.python + 1; k <= n; k++) {
      self.warmTarget.python = k;
      self.refillWarm();
      await Promise.all(self.warm.python.map((r) => r.ready));
    }
    self.warmTarget.python = 0;
  };
}

/**
 * What-if: every SQLite database opened in WAL mode also gets
 * synchronous=NORMAL (no fsync per commit; a power cut may lose the last
 * commits, a crashed process loses nothing). Patched into bun:sqlite from
 * outside, to measure the change recommended for SqliteChunkStore.
 */
export function whatIfSqliteNormal(): void {
  const exec = Database.prototype.exec;
  Database.prototype.exec = function (this: Database, sql: string, ...rest: unknown[]) {
    const out = (exec as (this: Database, sql: string, ...r: unknown[]) => unknown).call(this, sql, ...rest);
    if (/journal_mode\s*=\s*WAL/i.test(sql)) (exec as (this: Database, sql: string) => unknown).call(this, "PRAGMA synchronous = NORMAL");
    return out;
  } as typeof exec;
}

/**
 * What-if: a runner that is only a spare (loaded ahead of need) loads at
 * nice 19, so it takes CPU only when running chunks leave some; it is set
 * back to 0 once loaded. Needs the right to lower nice again (root here).
 */
export function whatIfNiceSpares(): void {
  const spawn = RunnerProcess.spawn;
  let started = false;
  RunnerPool.prototype.start = ((start) =>
    async function (this: RunnerPool) {
      await start.call(this);
      started = true;
    })(RunnerPool.prototype.start);
  RunnerProcess.spawn = (cmd, runtime) => {
    const runner = spawn(cmd, runtime);
    if (started) {
      setPriority(runner.pid, 19);
      runner.ready.then(() => setPriority(runner.pid, 0), () => {});
    }
    return runner;
  };
}

/**
 * What-if: a taken spare is replaced only once the pool has run nothing for
 * a second, so the 4–5 s CPU load never overlaps a job's chunks or a
 * session's rounds. Needs no privilege, and keeps working even when every
 * runner has the same nice value.
 */
export function whatIfDeferSpares(idleMs = 1_000): void {
  type Internals = { busy: number; closed: boolean };
  const proto = RunnerPool.prototype as unknown as Record<string, (...args: unknown[]) => unknown>;
  const refill = proto.refillWarm!;
  const run = proto.run!;
  const lastRun = new WeakMap<object, number>();
  const timers = new WeakMap<object, ReturnType<typeof setTimeout>>();
  proto.refillWarm = function (this: Internals) {
    const quietFor = performance.now() - (lastRun.get(this) ?? 0);
    if (this.closed || (this.busy === 0 && quietFor >= idleMs)) return refill.call(this);
    clearTimeout(timers.get(this));
    timers.set(this, setTimeout(() => (proto.refillWarm as (this: Internals) => void).call(this), idleMs));
  };
  proto.run = async function (this: object, ...args: unknown[]) {
    lastRun.set(this, performance.now());
    try {
      return await run.apply(this, args);
    } finally {
      lastRun.set(this, performance.now());
    }
  };
}
