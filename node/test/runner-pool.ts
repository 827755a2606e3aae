import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Runtime } from "@medusa/core/program";
import { RunnerPool, type PoolOptions } from "../src/runner/runner-pool.ts";

/** How tests start a runner: Bun on the entry file, as dev does. */
export const testRunnerCommand = (runtime: Runtime) => [process.execPath, join(import.meta.dir, "../src/runner/runner-entry.ts"), runtime];

/** `snapshot`: Python runners restore from this Pyodide snapshot file (python-snapshot.ts). */
export const snapshotRunnerCommand = (snapshot: string) => (runtime: Runtime) => [...testRunnerCommand(runtime), ...(runtime === "python" ? ["--snapshot", snapshot] : [])];

export function testPool(opts: Partial<PoolOptions> & { snapshot?: string } = {}): RunnerPool {
  const { snapshot, ...rest } = opts;
  return new RunnerPool({ slots: 2, runnerCommand: snapshot ? snapshotRunnerCommand(snapshot) : testRunnerCommand, ...rest });
}

export function isRunning(pid: number): boolean {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, "utf8"));
  } catch {
    return false;
  }
}
