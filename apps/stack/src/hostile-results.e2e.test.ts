import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { limits, type JobSpec } from "@medusa/core";
import { compileWat } from "@medusa/testing/wat-fixtures";
import { until } from "@medusa/testing/until";
import type { z } from "zod";
import type { MedusaClient } from "@medusa/client";
import { StackProcess } from "../test/stack-process.ts";

/**
 * Results as an attacker writes them, against `npm run serve` in its own
 * process (gateway, scheduler, credits and two local nodes in it): a result
 * nested 100,000 deep, from a WASI module's stdout and from a Python program
 * forging the runner's protocol line on fd 1. Each chunk fails with the depth
 * error, the process and both nodes live, and an honest job runs next.
 * Then size: a result over the 16 MiB limit fails its attempts naming the
 * limit, and one just under it arrives whole through every hop.
 */
const DEPTH = 100_000;
const DEPTH_ERROR = "result nests deeper than 64 levels";
const SLOW = 240_000;
const MiB = 1024 * 1024;

/** Prints one line of DEPTH brackets inside one another, whatever the input. */
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

/** Writes a runner `result` line holding the deep value straight to fd 1, past the runtime's own serialiser, then returns normally. */
const forgingPython = `
from pyodide.code import run_js

FORGE = """(() => {
  const fs = process.getBuiltinModule("fs");
  const deep = "[".repeat(${DEPTH}) + "]".repeat(${DEPTH});
  const line = Buffer.from('{"v":2,"type":"result","id":1,"ok":true,"results":[' + deep + ']}\\\\n');
  for (let sent = 0; sent < line.length; ) { try { sent += fs.writeSync(1, line, sent); } catch (e) { if (e.code !== "EAGAIN") throw e; } }
})()"""

def map(x):
    run_js(FORGE)
    return x
`;

let stack: StackProcess;
let client: MedusaClient;

beforeAll(async () => {
  // A loaded test machine may take minutes to start a runner; that is not what these tests are about.
  stack = StackProcess.start({ MEDUSA_LOCAL_NODES: "2", MEDUSA_NODE_SLOTS: "1", MEDUSA_RUNNER_START_TIMEOUT: "5m" });
  client = await stack.consumer();
  await client.upload("deep.wasm", await compileWat("deep", deepWat));
}, SLOW);
afterAll(() => stack?.stop());

async function ended(spec: z.input<typeof JobSpec>) {
  const { id } = await client.submit(spec);
  return until(async () => {
    const job = await client.job(id);
    return job.state === "done" || job.state === "failed" ? job : null;
  }, 180_000, `job ${id} ending`, { context: stack.tail, everyMs: 250 });
}

const honest = { program: { runtime: "python" as const, source: "def map(x):\n    return x * 2\n" }, input: { items: [1, 2, 3] }, chunkSize: 1 };

async function stillServing(replicas: 1 | 2) {
  expect(stack.alive).toBe(true);
  const job = await ended({ ...honest, replicas });
  expect(job.state).toBe("done");
  expect(await client.results(job.id)).toEqual([2, 4, 6]);
  expect(stack.alive).toBe(true);
  // Not one "unhandled" line: the depth was refused where it arrived, not caught by the last resort.
  expect(stack.output.filter((l) => /unhandled|uncaught|RangeError/i.test(l))).toEqual([]);
}

describe.each([1, 2] as const)("a 100,000-deep result with replicas: %d", (replicas) => {
  test("printed by a WASI module: the chunk fails with the depth error, and the stack and its nodes serve on", async () => {
    const job = await ended({ program: { runtime: "wasi", module: "deep.wasm" }, input: { items: [1] }, chunkSize: 1, replicas, maxAttempts: 2 });
    expect(job.state).toBe("failed");
    expect(job.error).toContain(DEPTH_ERROR);
    await stillServing(replicas);
  }, SLOW);

  test("forged on fd 1 by a Python program: the chunk fails with the depth error, and the stack and its nodes serve on", async () => {
    const job = await ended({ program: { runtime: "python", source: forgingPython }, input: { items: [1] }, chunkSize: 1, replicas, maxAttempts: 2 });
    expect(job.state).toBe("failed");
    expect(job.error).toContain(DEPTH_ERROR);
    await stillServing(replicas);
  }, SLOW);
});

test("100,000-deep inline items in a job body: 400 naming the depth limit, not 500", async () => {
  const body = `{"program":{"runtime":"python","source":"def map(x):\\n    return x\\n"},"input":{"items":[${"[".repeat(DEPTH)}${"]".repeat(DEPTH)}]}}`;
  const res = await fetch(`${client.url}/v1/jobs`, { method: "POST", headers: { authorization: `Bearer ${client.apiKey}`, "content-type": "application/json" }, body });
  expect(res.status).toBe(400);
  expect(((await res.json()) as { error: { message: string } }).error.message).toBe("body nests deeper than 64 levels");
  expect(stack.alive).toBe(true);
}, SLOW);

describe("a result against the 16 MiB limit", () => {
  const sized = { runtime: "python" as const, source: "def map(n):\n    return 'x' * n\n" };

  test("20 MiB: each attempt fails naming the limit, and the job ends failed within its attempts", async () => {
    expect(limits.resultBytes).toBe(16 * MiB);
    const job = await ended({ program: sized, input: { items: [20 * MiB] }, chunkSize: 1, maxAttempts: 2 });
    expect(job.state).toBe("failed");
    expect(job.error).toStartWith("chunk 0 failed 2 times: result is 20.0 MiB");
    expect(job.error).toEndWith("over the limit of 16 MiB");
    expect(stack.alive).toBe(true);
  }, SLOW);

  test("just under the limit: delivered intact through runner, node, WebSocket, scheduler, store and the results endpoint", async () => {
    // The chunk's result is `["xxx…"]`: four bytes more than the string.
    const n = limits.resultBytes - 4;
    const job = await ended({ program: sized, input: { items: [n] }, chunkSize: 1 });
    expect(job.state).toBe("done");
    const text = await client.resultText(job.id);
    expect(text.length).toBe(n + 3);
    expect(text).toBe(`"${"x".repeat(n)}"\n`);
  }, SLOW);
});
