import type { Runtime } from "@medusa/core/program";
import type { RunnerProcess } from "./runner-process.ts";
import { RETRY_MS } from "./slow-start.ts";

/**
 * Runners started ahead of need, unassigned, a target number per runtime:
 * a new job takes one with its runtime already loaded instead of waiting
 * seconds for Pyodide, and the spare is replaced at once. A spare that dies
 * before a job takes it (it was too slow to start, or crashed) is replaced
 * in the background after a pause that doubles while they keep dying.
 */
export class WarmSpares {
  private readonly warm: Record<Runtime, RunnerProcess[]> = { python: [], wasi: [] };
  private stopped = false;
  private retryMs: number = RETRY_MS.first;
  private markReady!: () => void;
  /** Resolves once a spare has its runtime loaded (at once when none are kept): until then the node is not ready. */
  readonly ready = new Promise<void>((resolve) => (this.markReady = resolve));

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

  /** Starts no more spares, now or in the background (the pool is closing). */
  stop(): void {
    this.stopped = true;
  }

  /** Keeps an already started runner as a spare. */
  keep(runtime: Runtime, runner: RunnerProcess): void {
    this.warm[runtime].push(runner);
  }

  take(runtime: Runtime): RunnerProcess | undefined {
    return this.warm[runtime].shift();
  }

  /** A runner exited: if it was a spare, it is one no more, and another is started after the pause. */
  forget(runtime: Runtime, runner: RunnerProcess): void {
    const warm = this.warm[runtime];
    if (!warm.includes(runner)) return;
    warm.splice(warm.indexOf(runner), 1);
    if (this.stopped) return;
    const pause = this.retryMs;
    this.retryMs = Math.min(this.retryMs * 2, RETRY_MS.max);
    setTimeout(() => this.refill(), pause).unref?.();
  }

  all(): RunnerProcess[] {
    return [...this.warm.python, ...this.warm.wasi];
  }

  /** Starts spares until each runtime has its target. */
  refill(): void {
    if (this.stopped) return;
    if (this.size === 0) this.markReady();
    for (const runtime of ["python", "wasi"] as const) {
      while (this.warm[runtime].length < this.target[runtime]) {
        const runner = this.spawn(runtime);
        this.warm[runtime].push(runner);
        runner.ready.then(
          () => {
            this.retryMs = RETRY_MS.first;
            this.markReady();
          },
          (err) => this.log(`warm ${runtime} runner ${runner.pid} failed: ${err.message}`),
        );
      }
    }
  }
}
