import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { limits } from "@medusa/core/limits";
import { compileWat } from "@medusa/testing/wat-fixtures";
import type { RunnerPool } from "./runner-pool.ts";
import { testPool } from "../../test/runner-pool.ts";

/**
 * The runner is the first place a result's limits hold: a result nested too
 * deep or too large leaves as the chunk's error naming the limit, whether the
 * runtime wrote it (a WASI module's stdout, a Python return value) or the
 * program forged a whole protocol line on fd 1. The runner that was forged
 * on is killed and replaced; the pool serves on.
 */
const SLOW = 120_000;
const DEPTH = 100_000;
const MiB = 1024 * 1024;

const deepWat = `(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 4)
  (func (export "_start")
    (memory.fill (i32.const 1024) (i32.const 91) (i32.const ${DEPTH}))
    (memory.fill (i32.const ${1024 + DEPTH}) (i32.const 93) (i32.const ${DEPTH}))
    (i32.store8 (i32.const ${1024 + 2 * DEPTH}) (i32.const 10))
    (i32.store (i32.const 0) (i32.const 1024))
    (i32.store (i32.const 4) (i32.const ${2 * DEPTH + 1}))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))`;

/** `map(x)` writes a result line nested DEPTH deep straight to fd 1 (past the runtime), then answers normally. */
const forging = `
from pyodide.code import run_js

FORGE = """(() => {
  const fs = process.getBuiltinModule("fs");
  const deep = "[".repeat(${DEPTH}) + "]".repeat(${DEPTH});
  const line = Buffer.from('{"v":2,"type":"result","id":1,"ok":true,"results":[' + deep + ']}\\\\n');
  for (let sent = 0; sent < line.length; ) { try { sent += fs.writeSync(1, line, sent); } catch (e) { if (e.code !== "EAGAIN") throw e; } }
})()"""

def map(x):
    if x == "forge":
        run_js(FORGE)
    if x == "deep":
        v = []
        for _ in range(70):
            v = [v]
        return v
    if isinstance(x, dict):
        return "x" * x["bytes"]
    return x
`;

let jobs = 0;
const pyJob = () => ({ jobId: `bounds-${++jobs}`, program: { runtime: "python" as const, source: forging }, timeoutMs: 60_000 });

describe("result bounds in the runner", () => {
  let pool: RunnerPool;
  beforeAll(async () => {
    pool = testPool({ slots: 1, warmPython: 0 });
    await pool.start();
  }, SLOW);
  afterAll(() => pool.close());

  test("a WASI module printing a 100,000-deep result: the chunk fails with the depth error", async () => {
    const program = { runtime: "wasi" as const, moduleBase64: Buffer.from(await compileWat("deep", deepWat)).toString("base64") };
    const outcome = await pool.run({ jobId: "wasi-deep", program, timeoutMs: 30_000 }, { task: "map", items: [1] });
    expect(outcome).toEqual({ ok: false, error: { message: "result nests deeper than 64 levels" } });
  }, SLOW);

  test("a Python program forging a 100,000-deep result line on fd 1: that chunk fails with the depth error, the next one is answered", async () => {
    const job = pyJob();
    expect(await pool.run(job, { task: "map", items: ["forge"] })).toEqual({ ok: false, error: { message: "result nests deeper than 64 levels" } });
    // The forger's runner is gone; a fresh one serves the job's next chunk.
    expect(await pool.run(job, { task: "map", items: [7] })).toEqual({ ok: true, results: [7] });
  }, SLOW);

  test("a Python return value 70 deep (its own JSON encoder copes): refused by the runner with the depth error", async () => {
    expect(await pool.run(pyJob(), { task: "map", items: ["deep"] })).toEqual({ ok: false, error: { message: "result nests deeper than 64 levels" } });
  }, SLOW);

  test("a 20 MiB result is refused naming the 16 MiB limit; one just under the limit is delivered intact", async () => {
    expect(limits.resultBytes).toBe(16 * MiB);
    const job = pyJob();
    const over = await pool.run(job, { task: "map", items: [{ bytes: 20 * MiB }] });
    expect(over).toEqual({ ok: false, error: { message: expect.stringContaining("over the limit of 16 MiB") } });
    // `["xxx…"]`: the brackets and quotes count.
    const under = limits.resultBytes - 4;
    const fits = await pool.run(job, { task: "map", items: [{ bytes: under }] });
    expect(fits.ok).toBe(true);
    const [text] = (fits as { results: string[] }).results;
    expect(text!.length).toBe(under);
    expect(/^x+$/.test(text!)).toBe(true);
  }, SLOW);
});
