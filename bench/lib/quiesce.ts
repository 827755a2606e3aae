import { readdirSync, readFileSync } from "node:fs";

/**
 * Waits until this process's child processes (the local nodes' runners) stop
 * using CPU, so one workload's tail, such as a node loading a replacement
 * Pyodide runner (~3.5 s CPU, far longer on a busy box), does not land on
 * the next measurement. Reads /proc only; elsewhere it returns at once.
 */
function childCpu(): Map<number, number> {
  const out = new Map<number, number>();
  let pids: string[];
  try {
    pids = readdirSync("/proc").filter((d) => /^\d+$/.test(d));
  } catch {
    return out;
  }
  for (const pid of pids) {
    try {
      const text = readFileSync(`/proc/${pid}/stat`, "utf8");
      const f = text.slice(text.lastIndexOf(")") + 2).split(" ");
      if (Number(f[1]) === process.pid) out.set(Number(pid), Number(f[11]) + Number(f[12]));
    } catch {
      // gone between the listing and the read
    }
  }
  return out;
}

/** Resolves once children used under 5% of a core for one 500 ms window, or after `maxMs`; says how long it waited. */
export async function quiesce(maxMs = 30_000): Promise<{ waitedMs: number; quiet: boolean }> {
  const start = performance.now();
  let before = childCpu();
  while (performance.now() - start < maxMs) {
    await Bun.sleep(500);
    const after = childCpu();
    let ticks = 0;
    for (const [pid, t] of after) ticks += t - (before.get(pid) ?? 0);
    const sameChildren = after.size === before.size && [...after.keys()].every((p) => before.has(p));
    before = after;
    // Ticks are 10 ms: 5% of a core over 500 ms is 2.5 ticks.
    if (sameChildren && ticks <= 2) return { waitedMs: Math.round(performance.now() - start), quiet: true };
  }
  return { waitedMs: Math.round(performance.now() - start), quiet: false };
}
