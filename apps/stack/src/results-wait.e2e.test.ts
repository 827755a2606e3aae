import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MedusaClient } from "@medusa/client";
import { stackEnv } from "./env.ts";
import { startStack, type Stack } from "./stack.ts";

/** `results?wait=` and `?partial=1` against the real scheduler: a script never polls. */
let dir: string;
let stack: Stack;
let alice: MedusaClient;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "medusa-wait-"));
  stack = await startStack(stackEnv({ MEDUSA_DATA_DIR: dir, MEDUSA_PORT: "0", MEDUSA_LOCAL_NODES: "1", MEDUSA_NODE_SLOTS: "1" }), () => {});
  const anon = new MedusaClient(stack.url);
  alice = anon.withKey((await anon.signUp("alice@example.com", "alice-password")).apiKey);
}, 60_000);

afterAll(async () => {
  await stack?.close();
  rmSync(dir, { recursive: true, force: true });
});

const lines = (text: string) => text.split("\n").filter(Boolean).map((l) => JSON.parse(l));

test("results?wait= read straight after submitting answers the whole result once the job is done", async () => {
  const job = await alice.submit({ program: { runtime: "python", source: "def map(x):\n    return x * x\n" }, input: { range: { stop: 200 } }, chunkSize: 20 });
  const res = await alice.request("GET", `/v1/jobs/${job.id}/results?wait=120`);
  expect(lines(await res.text())).toEqual(Array.from({ length: 200 }, (_, i) => i * i));
  expect((await alice.job(job.id)).state).toBe("done");
}, 150_000);

test("results?partial=1&wait= streams chunks in input order as they land, then the failing chunk's error", async () => {
  // Item 25 takes seconds before it fails, so the chunks before it are read while the job still runs.
  const source = "import time\ndef map(x):\n    if x == 25:\n        time.sleep(4)\n        raise ValueError('no 25')\n    return x\n";
  const job = await alice.submit({ program: { runtime: "python", source }, input: { range: { stop: 40 } }, chunkSize: 5, maxAttempts: 1 });
  const res = await alice.request("GET", `/v1/jobs/${job.id}/results?partial=1&wait=120`);
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = "";
  let stateAtFirst = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value);
    if (!stateAtFirst) stateAtFirst = (await alice.job(job.id)).state;
  }
  const got = lines(text);
  expect(got.slice(0, 25)).toEqual(Array.from({ length: 25 }, (_, i) => i));
  expect(got).toHaveLength(26);
  expect(got[25].chunk).toBe(5);
  expect(got[25].error).toContain("no 25");
  expect(stateAtFirst).toBe("running");
  expect((await alice.job(job.id)).state).toBe("failed");
}, 150_000);

test("POST /v1/jobs?wait= answers a small job's results with its status in one request; one that outlasts the wait is the plain 202", async () => {
  const post = (query: string, spec: unknown) => fetch(`${stack.url}/v1/jobs?${query}`, { method: "POST", headers: { authorization: `Bearer ${alice.apiKey}`, "content-type": "application/json" }, body: JSON.stringify(spec) });
  const res = await post("wait=120", { program: { runtime: "python", source: "def map(x):\n    return x * 3\n" }, input: { items: [1, 2] }, chunkSize: 1 });
  expect(res.status).toBe(200);
  expect((await res.json()) as object).toMatchObject({ state: "done", chunks: { total: 2, done: 2 }, results: [3, 6] });

  const slow = await post("wait=0.5", { program: { runtime: "python", source: "import time\ndef map(x):\n    time.sleep(3)\n    return x\n" }, input: { items: [7] }, chunkSize: 1 });
  expect(slow.status).toBe(202);
  const status = (await slow.json()) as { id: string; state: string };
  expect(["queued", "running"]).toContain(status.state);
  expect(lines(await (await alice.request("GET", `/v1/jobs/${status.id}/results?wait=120`)).text())).toEqual([7]);

  const bad = await post("wait=later", { program: { runtime: "python", source: "def map(x):\n    return x\n" }, input: { items: [1] } });
  expect(bad.status).toBe(400);
  expect(((await bad.json()) as { error: { message: string } }).error.message).toStartWith("wait: ");
}, 150_000);
