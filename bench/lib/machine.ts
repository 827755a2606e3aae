import { readFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";

/**
 * What the figures were measured on. The box is shared by other engineers'
 * tests, so every figure is stored with the load average and CPU steal seen
 * while it was measured.
 */
export function loadNow(): [number, number, number] {
  return loadavg().map((x) => Math.round(x * 100) / 100) as [number, number, number];
}

export function machine() {
  const git = Bun.spawnSync(["git", "rev-parse", "--short", "HEAD"], { cwd: import.meta.dir }).stdout.toString().trim();
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? "unknown",
    memGiB: Math.round(totalmem() / 2 ** 30),
    bun: Bun.version,
    platform: `${process.platform} ${process.arch}`,
    // BENCH_COMMIT names the commit when the tree measured is an exported copy without .git.
    commit: process.env.BENCH_COMMIT ?? (git || "unknown"),
  };
}

interface Ticks {
  busy: number;
  steal: number;
  all: number;
}

function ticks(): Ticks | undefined {
  try {
    const f = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
    const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = f;
    return { busy: user + nice + system + irq + softirq, steal, all: f.reduce((a, b) => a + b, 0) };
  } catch {
    return undefined;
  }
}

/** Starts watching the machine; `stop()` says how busy all cores were (%) and how much was stolen by the hypervisor. */
export function watchMachine() {
  const before = ticks();
  const loadBefore = loadNow();
  return {
    stop() {
      const after = ticks();
      const pct = (x: number, all: number) => Math.round((1000 * x) / Math.max(1, all)) / 10;
      const cpu = before && after ? { busyPct: pct(after.busy - before.busy, after.all - before.all), stealPct: pct(after.steal - before.steal, after.all - before.all) } : {};
      return { loadBefore, loadAfter: loadNow(), ...cpu };
    },
  };
}
