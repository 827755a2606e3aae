import { expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { lowerToSpare, raiseToWorking } from "./cpu-policing.ts";
import { RunnerProcess } from "./runner-process.ts";
import { testRunnerCommand } from "../../test/runner-pool.ts";

/** Each thread's niceness (field 19 of /proc/PID/task/TID/stat, counted after the command's closing parenthesis). */
function threadNiceness(pid: number): number[] {
  return readdirSync(`/proc/${pid}/task`).map((tid) => {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[16]);
  });
}

const root = process.getuid?.() === 0;

// A loaded runner has a dozen threads (JIT, GC, wasm compiler): setpriority(pid) alone sets only the first.
test.skipIf(process.platform !== "linux")("a runner is lowered and raised on every one of its threads", async () => {
  const runner = RunnerProcess.spawn(testRunnerCommand("wasi"), "wasi");
  try {
    await runner.ready;
    expect(threadNiceness(runner.pid).length).toBeGreaterThan(1);
    lowerToSpare(runner);
    expect(new Set(threadNiceness(runner.pid))).toEqual(new Set([19]));
    raiseToWorking(runner);
    // Raising needs root or CAP_SYS_NICE; an ordinary volunteer's runners stay at idle priority.
    expect(new Set(threadNiceness(runner.pid))).toEqual(new Set([root ? 0 : 19]));
  } finally {
    runner.kill("test done");
    await runner.exited;
  }
});
