import { afterAll, expect, test } from "bun:test";
import type { Subprocess } from "bun";
import { availableParallelism } from "node:os";
import { until } from "@medusa/testing/until";
import { StackProcess } from "../test/stack-process.ts";

/**
 * `npm run serve` started while every core is busy: runners start at idle
 * priority, so under a CPU hog they miss their start timeout (1 s here, 60 s
 * by default). The hog lasts until one has (the node's start-up may take a
 * while before it starts any). The stack must not exit over it: the gateway
 * serves throughout, the slow starts are retried in the background, and
 * once the hog is gone the node becomes ready and runs a job.
 */
const hogs: Subprocess[] = [];
const stopHogs = () => {
  for (const hog of hogs) hog.kill("SIGKILL");
};
let stack: StackProcess | undefined;

afterAll(async () => {
  stopHogs();
  await stack?.stop();
});

test("under a CPU hog during start-up the stack stays up, retries its runners, and becomes ready", async () => {
  for (let i = 0; i < availableParallelism() + 1; i++) hogs.push(Bun.spawn(["sh", "-c", "while :; do :; done"], { stdout: "ignore", stderr: "ignore" }));
  stack = StackProcess.start({ MEDUSA_LOCAL_NODES: "1", MEDUSA_NODE_SLOTS: "1", MEDUSA_RUNNER_START_TIMEOUT: "1s", MEDUSA_LOG_LEVEL: "info" });
  const s = stack;
  // The slow start is seen and retried, not fatal.
  try {
    await until(() => s.output.some((line) => line.includes("runner did not start within 1000ms")), 240_000, "a runner start timing out", { context: s.tail, everyMs: 200 });
    expect(s.alive).toBe(true);
  } finally {
    stopHogs();
  }
  const client = await s.consumer();
  const res = await fetch(`${client.url}/healthz`);
  expect(res.status).toBe(200);
  await until(() => s.output.some((line) => line.includes("[node] ready: a runner has started")), 180_000, "the node ready", { context: s.tail, everyMs: 500 });
  const { id } = await client.submit({ program: { runtime: "python", source: "def map(x):\n    return x + 1\n" }, input: { items: [1, 2] }, chunkSize: 1 });
  const job = await until(async () => {
    const j = await client.job(id);
    return j.state === "done" || j.state === "failed" ? j : null;
  }, 180_000, "the job ending", { context: s.tail, everyMs: 500 });
  expect(job.state).toBe("done");
  expect(await client.results(id)).toEqual([2, 3]);
  expect(s.alive).toBe(true);
}, 720_000);
