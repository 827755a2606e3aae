import { readdirSync, readFileSync } from "node:fs";
import { residentMb } from "@medusa/node/runner/proc-stats";

/**
 * Resident memory of the bench's own process (the stack: gateway, scheduler,
 * splitter, credits and the node agents all live in it) and of its children
 * (the local nodes' runners), read from /proc. Elsewhere it reads 0.
 */
export function rssMb(pid: number | "self"): number {
  return Math.round(residentMb(pid === "self" ? process.pid : pid) ?? 0);
}

export function childPids(parent = process.pid): number[] {
  let entries: string[];
  try {
    entries = readdirSync("/proc").filter((d) => /^\d+$/.test(d));
  } catch {
    return [];
  }
  const out: number[] = [];
  for (const pid of entries) {
    try {
      const text = readFileSync(`/proc/${pid}/stat`, "utf8");
      if (Number(text.slice(text.lastIndexOf(")") + 2).split(" ")[1]) === parent) out.push(Number(pid));
    } catch {
      // gone between the listing and the read
    }
  }
  return out;
}

export interface RssFigures {
  stackStartMb: number;
  stackPeakMb: number;
  stackEndMb: number;
  /** All runner processes together, at the busiest sample. */
  runnersPeakMb: number;
  runnersEndMb: number;
}

/** Samples both every `everyMs` until `stop()`, which says where they started, peaked and ended. */
export function watchRss(everyMs = 250) {
  const runners = () => childPids().reduce((a, pid) => a + rssMb(pid), 0);
  const start = rssMb("self");
  let stackPeak = start;
  let runnersPeak = runners();
  const timer = setInterval(() => {
    stackPeak = Math.max(stackPeak, rssMb("self"));
    runnersPeak = Math.max(runnersPeak, runners());
  }, everyMs);
  return {
    stop(): RssFigures {
      clearInterval(timer);
      const end = rssMb("self");
      const runnersEnd = runners();
      return { stackStartMb: start, stackPeakMb: Math.max(stackPeak, end), stackEndMb: end, runnersPeakMb: Math.max(runnersPeak, runnersEnd), runnersEndMb: runnersEnd };
    },
  };
}
