import type { Runtime } from "@medusa/core/program";
import type { RunnerProcess } from "./runner-process.ts";

/**
 * Runners started ahead of need, unassigned, a target number per runtime:
 * a new job takes one with its runtime already loaded instead of waiting
 * seconds for Pyodide, and the spare is replaced at once.
 */
export class WarmSpares {
  private readonly warm: Record<Runtime, RunnerProcess[]> = { python: [], wasi: [] };

  constructor(
    private readonly target: Record<Runtime, number>,
    private readonly spawn: (runtime: Runtime) => RunnerProcess,
    private readonly log: (msg: string) => void,
  ) {}

  /** How many spares are kept in all. */
  get size(): number {
    return this.target.python + this.target.wasi;
  }

  wants(runtime: Runtime): boolean {
    return this.target[runtime] > 0;
  }

  /** Keeps no spares of `runtime` from now on (this node does not run it). */
  stopKeeping(runtime: Runtime): void {
    this.target[runtime] = 0;
  }

  /** Keeps an already started runner as a spare. */
  keep(runtime: Runtime, runner: RunnerProcess): void {
    this.warm[runtime].push(runner);
  }

  take(runtime: Runtime): RunnerProcess | undefined {
    return this.warm[runtime].shift();
  }

  /** A runner exited: if it was a spare, it is one no more. */
  forget(runtime: Runtime, runner: RunnerProcess): void {
    const warm = this.warm[runtime];
    if (warm.includes(runner)) warm.splice(warm.indexOf(runner), 1);
  }

  all(): RunnerProcess[] {
    return [...this.warm.python, ...this.warm.wasi];
  }

  /** Starts spares until each runtime has its target. */
  refill(): void {
    for (const runtime of ["python", "wasi"] as const) {
      while (this.warm[runtime].length < this.target[runtime]) {
        const runner = this.spawn(runtime);
        this.warm[runtime].push(runner);
        runner.ready.catch((err) => this.log(`warm ${runtime} runner ${runner.pid} failed: ${err.message}`));
      }
    }
  }
}
