import { readFileSync } from "node:fs";

/**
 * CPU seconds of this process and of its runner processes. Runners that
 * exited are counted through this process's cutime/cstime (Bun reaps them);
 * live ones through their own /proc/<pid>/stat.
 */
const HZ = 100;

function statTimes(pid: number | "self"): { self: number; children: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = text.slice(text.lastIndexOf(")") + 2).split(" ").map(Number);
    // Fields after the command: state is f[0], so utime is field 14 → f[11].
    return { self: (f[11]! + f[12]!) / HZ, children: (f[13]! + f[14]!) / HZ };
  } catch {
    return undefined;
  }
}

export function cpuSnapshot(pids: Iterable<number>) {
  const self = statTimes("self")!;
  const live = new Map<number, number>();
  for (const pid of pids) {
    const t = statTimes(pid);
    if (t) live.set(pid, t.self);
  }
  return { main: self.self, reaped: self.children, live };
}
export type CpuSnapshot = ReturnType<typeof cpuSnapshot>;

/** CPU seconds spent between two snapshots: in this process, and in runner processes (live or since reaped). */
export function cpuSpent(a: CpuSnapshot, b: CpuSnapshot) {
  let runners = b.reaped - a.reaped;
  for (const [pid, t] of b.live) runners += t - (a.live.get(pid) ?? 0);
  // A runner alive at the start and reaped since brought its earlier CPU into cutime.
  for (const [pid, t] of a.live) if (!b.live.has(pid)) runners -= t;
  return { mainS: round(b.main - a.main), runnersS: round(runners) };
}

const round = (x: number) => Math.round(x * 100) / 100;
