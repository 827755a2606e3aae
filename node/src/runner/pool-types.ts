import type { SandboxLevel } from "@medusa/core";
import type { PackageSet } from "@medusa/core/packages";
import type { RunnableProgram, Runtime } from "@medusa/core/program";
import type { PythonStart, RunnerPackages, RunnerTask } from "./protocol.ts";

/** The runner pool's contract: how it is set up, what it runs, what it tells. */

export interface PoolOptions {
  /** Chunks that may run at once; extra calls wait their turn. */
  slots: number;
  /** Python runners kept loaded and unassigned, so a new job does not wait ~3 s for Pyodide. Default 1. */
  warmPython?: number;
  /** WASI runners start fast; default 0. */
  warmWasi?: number;
  /** Resident memory a runner may use, in MB; also its RLIMIT_DATA headroom. Default 1024. */
  memoryCapMb?: number;
  /** CPU seconds a runner may use over its life (RLIMIT_CPU); past half of it the runner is replaced between chunks. Default 3600. */
  cpuSecondsPerRunner?: number;
  /**
   * Run Python even where runners cannot apply the OS sandbox (the volunteer's
   * explicit opt-in). Without it such a node runs WASI modules only.
   */
  allowUnsandboxedPython?: boolean;
  /** False starts runners with `--unconfined`: for benchmarks and tests of the fallback, never for a node. */
  osSandbox?: boolean;
  /** A job's runners are closed after it sent no chunk for this long. Default 60 s. */
  jobIdleMs?: number;
  /** How long a runner may take to load its runtime. Default 60 s. */
  startupTimeoutMs?: number;
  /** How to start a runner process for a runtime. */
  runnerCommand: (runtime: Runtime) => string[];
  /** Where a job's pinned packages come from (node/src/packages/wheel-cache.ts); without it such jobs fail. */
  packages?: PackageSource;
  log?: (msg: string) => void;
}

export interface PoolJob {
  jobId: string;
  program: RunnableProgram;
  timeoutMs: number;
  /**
   * A session: its one runner keeps the partitions' state between calls, so
   * it is never closed to make room or for idleness, and once it is gone
   * every later call fails instead of starting a runner without the state.
   */
  stateful?: boolean;
  /**
   * Owner and program, hashed by the gateway. A new job takes over an idle
   * runner of another job with the same affinity — its program is already
   * loaded — instead of loading a fresh runtime: a consumer's jobs may share
   * a runner's leftovers only with that consumer's own jobs of the same program.
   */
  affinity?: string;
}

/** Puts a job's pinned wheels on this disk, verified; rejects with PackageRefused when retrying cannot help. */
export interface PackageSource {
  prepare(set: PackageSet): Promise<RunnerPackages>;
}

export interface PoolChunk {
  task: RunnerTask;
  items: unknown[];
  /** The items are binary ones with their bytes (`{name, size, offset?, base64}`, see node/src/agent/item-fetch.ts): Python's map gets objects with `name`, `size`, `bytes` and `read()`. */
  binary?: true;
}

export interface RunnerInfo {
  pid: number;
  runtime: Runtime;
  jobId: string | undefined;
  busy: boolean;
  /** A ready Python runner's start: restored from the node's snapshot or booted. */
  python?: PythonStart;
}

/** What protects the volunteer on this node, as start() found it. */
export interface PoolSandbox {
  level: SandboxLevel;
  /** The runtimes this node accepts chunks for. */
  runtimes: Runtime[];
  detail: string;
}
