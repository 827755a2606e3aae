import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { RunnableProgram } from "@medusa/core/program";
import { RUNNER_PROTOCOL_VERSION } from "./protocol.ts";
import { RunnerPool } from "./runner-pool.ts";
import { RunnerProcess } from "./runner-process.ts";
import { isRunning, testPool, testRunnerCommand } from "../../test/runner-pool.ts";
import { until } from "@medusa/testing/until";
import { wasiProgram } from "@medusa/testing/wat-fixtures";

let echo: RunnableProgram;
let loop: RunnableProgram;
let jobs = 0;
const job = (program: RunnableProgram, timeoutMs = 10_000) => ({ jobId: `wasi-${++jobs}`, program, timeoutMs });
const limits = { timeoutMs: 10_000, timeoutMessage: "timed out", memoryCapMb: 1024 };

beforeAll(async () => {
  echo = await wasiProgram("echo");
  loop = await wasiProgram("loop");
});

describe("WASI runners in the pool", () => {
  let pool: RunnerPool;
  beforeAll(async () => {
    pool = testPool({ slots: 2, warmPython: 0, warmWasi: 1 });
    await pool.start();
  });
  afterAll(() => pool.close());

  test("a chunk runs in a runner process and comes back as results", async () => {
    const items = [{ a: 1 }, "b", [3]];
    expect(await pool.run(job(echo), { task: "map", items })).toEqual({ ok: true, results: items });
  });

  test("more chunks than slots wait their turn", async () => {
    const j = job(echo);
    const runs = Array.from({ length: 5 }, (_, i) => pool.run(j, { task: "map", items: [i] }));
    expect(pool.busy).toBe(2);
    expect(await Promise.all(runs)).toEqual([0, 1, 2, 3, 4].map((i) => ({ ok: true, results: [i] })));
    expect(pool.busy).toBe(0);
    expect(pool.runnerInfo().filter((r) => r.jobId === j.jobId).length).toBeLessThanOrEqual(2);
  });

  test("an endless module is killed at the timeout and the job's next chunk runs on a new runner", async () => {
    const j = job(loop, 500);
    expect(await pool.run(j, { task: "map", items: [1] })).toEqual({ ok: false, error: { message: "timed out after 500ms" } });
    expect(pool.runnerInfo().some((r) => r.jobId === j.jobId)).toBe(false);
    const again = await pool.run(j, { task: "map", items: [1] });
    expect(again).toEqual({ ok: false, error: { message: "timed out after 500ms" } });
  });

  test("a runner that dies mid-chunk fails that chunk and is replaced", async () => {
    const j = job(loop);
    const running = pool.run(j, { task: "map", items: [1] });
    await until(() => pool.runnerInfo().some((r) => r.jobId === j.jobId && r.busy), 5000);
    process.kill(pool.runnerInfo().find((r) => r.jobId === j.jobId)!.pid, "SIGKILL");
    expect(await running).toEqual({ ok: false, error: { message: "runner exited (signal SIGKILL)" } });
    const e = job(echo);
    expect(await pool.run(e, { task: "map", items: [5] })).toEqual({ ok: true, results: [5] });
  });

  test("dropJob cancels running and queued chunks and kills the runners", async () => {
    const j = job(loop);
    const runs = [1, 2, 3].map((i) => pool.run(j, { task: "map", items: [i] }));
    await until(() => pool.runnerInfo().filter((r) => r.jobId === j.jobId && r.busy).length === 2, 5000);
    const pids = pool.runnerInfo().filter((r) => r.jobId === j.jobId).map((r) => r.pid);
    pool.dropJob(j.jobId);
    expect(await Promise.all(runs)).toEqual([1, 2, 3].map(() => ({ ok: false, error: { message: "cancelled" } })));
    await until(() => pids.every((pid) => !isRunning(pid)), 5000);
    expect(pool.busy).toBe(0);
  });

  test("a module that does not load fails its chunks with the reason", async () => {
    const bad = job(await wasiProgram("foreignImport"));
    expect(await pool.run(bad, { task: "map", items: [1] })).toEqual({
      ok: false,
      error: { message: "module imports what the sandbox does not provide: env.system" },
    });
  });
});

describe("runner pool housekeeping", () => {
  test("runners of a job idle for too long are closed", async () => {
    const pool = testPool({ slots: 1, warmPython: 0, jobIdleMs: 200 });
    await pool.start();
    try {
      const j = job(echo);
      await pool.run(j, { task: "map", items: [1] });
      const pid = pool.runnerInfo().find((r) => r.jobId === j.jobId)!.pid;
      await until(() => !isRunning(pid), 3000);
    } finally {
      await pool.close();
    }
  });

  test("close kills every runner and later calls fail", async () => {
    const pool = testPool({ slots: 1, warmPython: 0, warmWasi: 1 });
    await pool.start();
    const running = pool.run(job(loop), { task: "map", items: [1] });
    const queued = pool.run(job(echo), { task: "map", items: [1] });
    await until(() => pool.runnerInfo().some((r) => r.busy), 5000);
    const pids = pool.runnerInfo().map((r) => r.pid);
    await pool.close();
    expect(await running).toEqual({ ok: false, error: { message: "runner pool closed" } });
    expect(await queued).toEqual({ ok: false, error: { message: "runner pool closed" } });
    expect(pids.filter(isRunning)).toEqual([]);
    expect(await pool.run(job(echo), { task: "map", items: [1] })).toEqual({ ok: false, error: { message: "runner pool closed" } });
  });

  test("bad options are refused at construction", () => {
    expect(() => new RunnerPool({ slots: 0, runnerCommand: testRunnerCommand })).toThrow("slots must be a positive integer");
  });

  test("a runner that cannot start makes start() fail", async () => {
    const pool = new RunnerPool({ slots: 1, warmPython: 0, warmWasi: 1, runnerCommand: () => [process.execPath, "-e", "process.exit(7)"] });
    await expect(pool.start()).rejects.toThrow("runner exited (code 7)");
    await pool.close();
  });
});

describe("runner process", () => {
  test("a runner serves one job: a second init is refused", async () => {
    const runner = RunnerProcess.spawn(testRunnerCommand("wasi"), "wasi");
    try {
      await runner.ready;
      expect(await runner.request({ v: RUNNER_PROTOCOL_VERSION, type: "init", runtime: "wasi", program: echo }, limits)).toEqual({ v: RUNNER_PROTOCOL_VERSION, type: "loaded" });
      expect(await runner.request({ v: RUNNER_PROTOCOL_VERSION, type: "init", runtime: "wasi", program: echo }, limits)).toEqual({
        v: RUNNER_PROTOCOL_VERSION,
        type: "init_error",
        message: "this runner already holds a job",
      });
      expect(await runner.request({ v: RUNNER_PROTOCOL_VERSION, type: "run", id: 9, task: "map", items: [2] }, limits)).toEqual({ v: RUNNER_PROTOCOL_VERSION, type: "result", id: 9, ok: true, results: [2] });
    } finally {
      runner.kill("done");
      await runner.exited;
    }
  });

  test("a runner asked for an unknown runtime exits with an explanation", async () => {
    const runner = RunnerProcess.spawn([...testRunnerCommand("wasi").slice(0, 2), "cobol"], "wasi");
    await expect(runner.ready).rejects.toThrow('runner exited (code 2): unknown runtime "cobol"');
  });

  test("a runner that writes garbage on stdout is killed", async () => {
    const runner = RunnerProcess.spawn(["sh", "-c", "echo garbage; exec sleep 10"], "wasi");
    await expect(runner.ready).rejects.toThrow("runner sent a malformed message");
  });
});
