import { readdirSync } from "node:fs";
import { setPriority } from "node:os";
import type { RunnerProcess } from "./runner-process.ts";

/**
 * How the pool keeps runners' CPU in check: spares load at idle priority,
 * a runner is retired before its life's CPU budget runs out, and one that
 * works between chunks (code left running behind a chunk's back) is killed.
 */

/** A spare loading Pyodide (4–5 s of CPU) must not take the cores from running chunks. */
const SPARE_NICENESS = 19;
/**
 * A runner that serves a job runs at normal priority where the node may raise
 * it again (root, or CAP_SYS_NICE); an ordinary volunteer's runners stay at
 * idle priority, as BOINC's do, which is what a volunteer wants anyway.
 */
const WORKING_NICENESS = 0;

export const lowerToSpare = (runner: RunnerProcess) => renice(runner, SPARE_NICENESS);
export const raiseToWorking = (runner: RunnerProcess) => renice(runner, WORKING_NICENESS);

/**
 * Linux keeps a niceness per thread, and setpriority(pid) sets only the
 * thread whose id is the pid: a spare's JIT, wasm-compiler and GC threads
 * would stay at idle priority for the whole job. So every thread is set;
 * threads started later inherit from the one that starts them.
 */
function renice(runner: RunnerProcess, niceness: number): void {
  for (const tid of threadsOf(runner.pid)) {
    try {
      setPriority(tid, niceness);
    } catch {
      // Unprivileged nodes cannot raise a runner back; it keeps idle priority. A thread may also have ended.
    }
  }
}

/** The process's thread ids; just the pid where there is no /proc (it is the main thread's). */
function threadsOf(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).map(Number);
  } catch {
    return [pid];
  }
}

/** After a chunk: retires a runner well before RLIMIT_CPU (`budgetSeconds`) would end it mid-chunk. */
export function retireIfSpent(runner: RunnerProcess, budgetSeconds: number): void {
  if ((runner.cpuSeconds() ?? 0) > budgetSeconds / 2) runner.kill("retired: used half its CPU budget");
}

/** Kills an idle runner that used CPU between chunks, saying so; true when it did. */
export function killIfWorkedWhileIdle(runner: RunnerProcess, jobId: string, log: (msg: string) => void): boolean {
  if (!runner.workedWhileIdle()) return false;
  log(`runner ${runner.pid} (job ${jobId}): killed, it used CPU between chunks`);
  runner.kill("runner used CPU between chunks");
  return true;
}
