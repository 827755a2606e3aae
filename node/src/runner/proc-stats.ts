import { readdirSync, readFileSync } from "node:fs";

/**
 * A runner's use of memory and CPU, read from /proc (Linux). Every reader
 * answers undefined where there is no /proc, or once the process is gone.
 */

/** /proc/<pid>/stat counts CPU time in clock ticks, 100 a second on every Linux we run on. */
const CLOCK_TICKS = 100;
/**
 * Between chunks a runner only waits. Time its threads spent running or
 * ready to run, above this share of the time since its last chunk, means code
 * left running behind the chunk's back. Counting time spent ready to run too
 * keeps the test fair on a busy machine, where a spinning thread gets little CPU.
 */
const IDLE_RUNNABLE_SHARE = 0.5;

/** Resident memory in MB. */
export function residentMb(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
    return kb === undefined ? undefined : Number(kb) / 1024;
  } catch {
    return undefined;
  }
}

/** CPU seconds the process has used, all threads. */
export function cpuSecondsUsed(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the parenthesised command name; utime and stime are the 14th and 15th overall.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}

/** Seconds the process's threads have spent on a CPU or waiting for one, from /proc/<pid>/task/<tid>/schedstat. */
function runnableSeconds(pid: number): number | undefined {
  try {
    let ns = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const [running = 0, waiting = 0] = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ").map(Number);
      ns += running + waiting;
    }
    return ns / 1e9;
  } catch {
    return undefined;
  }
}

/** Whether a process that should be waiting kept a thread running or ready to run. */
export class IdleWatch {
  private since: { at: number; runnable: number } | undefined;

  constructor(private readonly pid: number) {}

  /** The process has nothing to do from now on. */
  start(): void {
    this.since = { at: performance.now(), runnable: runnableSeconds(this.pid) ?? 0 };
  }

  /** True when, since start() (at least a second ago), the process kept a thread running or ready to run. */
  workedSince(): boolean {
    const seconds = this.since ? (performance.now() - this.since.at) / 1000 : 0;
    const runnable = runnableSeconds(this.pid);
    if (seconds < 1 || runnable === undefined) return false;
    return (runnable - this.since!.runnable) / seconds > IDLE_RUNNABLE_SHARE;
  }
}
