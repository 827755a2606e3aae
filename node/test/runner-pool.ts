import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Runtime } from "@medusa/core/program";
import { RunnerPool, type PoolOptions } from "../src/runner/runner-pool.ts";

/** How tests start a runner: Bun on the entry file, as dev does. */
export const testRunnerCommand = (runtime: Runtime) => [process.execPath, join(import.meta.dir, "../src/runner/runner-entry.ts"), runtime];

export function testPool(opts: Partial<PoolOptions> = {}): RunnerPool {
  return new RunnerPool({ slots: 2, runnerCommand: testRunnerCommand, ...opts });
}

export function isRunning(pid: number): boolean {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, "utf8"));
  } catch {
    return false;
  }
}
