import { describe, expect, test } from "bun:test";
import { parseRunnerArgs } from "./runner-main.ts";
import { testPool } from "../../test/runner-pool.ts";
import { wasiProgram } from "@medusa/testing/wat-fixtures";

const python = { runtime: "python" as const, source: "def map(x):\n    return x + 1\n" };

describe("the pool's sandbox level", () => {
  test.skipIf(process.platform !== "linux")("on Linux runners confine themselves: os-sandbox, Python and WASI", async () => {
    const pool = testPool({ slots: 1, warmPython: 0 });
    try {
      await pool.start();
      expect(pool.sandbox).toMatchObject({ level: "os-sandbox", runtimes: ["python", "wasi"] });
      expect(pool.sandbox.detail).toContain("seccomp allowlist on all threads");
    } finally {
      await pool.close();
    }
  });

  test("without the OS sandbox the node runs WASI only: Python chunks fail and no Python runner starts", async () => {
    const pool = testPool({ slots: 1, warmPython: 1, osSandbox: false });
    try {
      await pool.start();
      expect(pool.sandbox).toEqual({ level: "wasi-only", runtimes: ["wasi"], detail: "started with --unconfined" });
      expect(pool.runnerInfo().filter((r) => r.runtime === "python")).toEqual([]);
      const job = { jobId: "py", program: python, timeoutMs: 10_000 };
      const refused = { ok: false as const, error: { message: "this node runs no Python: its runners have no OS sandbox here (started with --unconfined)" } };
      expect(await pool.run(job, { task: "map", items: [1] })).toEqual(refused);
      expect(await pool.run(job, { task: "map", items: [2] })).toEqual(refused);
      const wasi = { jobId: "wasm", program: await wasiProgram("echo"), timeoutMs: 10_000 };
      expect(await pool.run(wasi, { task: "map", items: [3] })).toEqual({ ok: true, results: [3] });
    } finally {
      await pool.close();
    }
  });

  test("the volunteer's opt-in runs Python without it, at level process", async () => {
    const pool = testPool({ slots: 1, warmPython: 0, osSandbox: false, allowUnsandboxedPython: true });
    try {
      await pool.start();
      expect(pool.sandbox).toMatchObject({ level: "process", runtimes: ["python", "wasi"] });
      expect(await pool.run({ jobId: "py", program: python, timeoutMs: 30_000 }, { task: "map", items: [1] })).toEqual({ ok: true, results: [2] });
    } finally {
      await pool.close();
    }
  }, 60_000);
});

describe("runner arguments", () => {
  test("limits and flags parse; anything else is refused", () => {
    expect(parseRunnerArgs(["python", "--pyodide-dir", "/p", "--memory-mb", "512", "--cpu-seconds", "60", "--unconfined"])).toEqual({
      runtime: "python",
      opts: { pyodideIndexURL: "/p/", memoryMb: 512, cpuSeconds: 60, unconfined: true },
    });
    expect(parseRunnerArgs(["python", "--snapshot", "/c/p.snapshot"])).toEqual({ runtime: "python", opts: { snapshot: "/c/p.snapshot" } });
    expect(parseRunnerArgs(["python", "--make-snapshot", "/c/p.snapshot"])).toEqual({ runtime: "python", opts: { makeSnapshot: "/c/p.snapshot" } });
    expect(parseRunnerArgs(["wasi", "--memory-mb", "0"])).toEqual({ error: "--memory-mb must be a positive whole number" });
    expect(parseRunnerArgs(["wasi", "--cpu-seconds"])).toEqual({ error: "--cpu-seconds needs a value" });
    expect(parseRunnerArgs(["wasi", "--env", "X=1"])).toEqual({ error: "unexpected argument --env" });
  });
});
