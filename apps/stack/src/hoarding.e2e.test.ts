import { until } from "@medusa/testing/until";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { redisAvailable, testPrefix, TEST_REDIS_URL } from "@medusa/testing/servers";
import type { Subprocess } from "bun";
import { GatewayMessage, NODE_PROTOCOL_VERSION, NodeSummary } from "@medusa/core";
import { z } from "zod";
import { MedusaClient } from "@medusa/client";
import { stackEnv } from "./env.ts";
import { startStack, type Stack } from "./stack.ts";

/**
 * The hoarder: a plain WebSocket client with a real node token that declares
 * one slot, asks for 1,000 chunks ten times, and sits on whatever it gets.
 * It holds no more than its cap (and a new node's lease window), hears that
 * it asked for too much, is given one chunk at a time once its window is
 * spent (never one it let run out), and its record shows the expiries;
 * another consumer's job, run by an honest node, finishes done. Run once on
 * each chunk store (SQLite, Redis).
 */
const root = resolve(import.meta.dir, "../../..");
const CHUNKS = 40;
const START_WINDOW = 8;
const Nodes = z.object({ nodes: z.array(NodeSummary.extend({ state: z.string() })) });

function hoarding(store: Record<string, string>) {
  const procs: Subprocess[] = [];
  const output: string[] = [];
  let dir: string;
  let stack: Stack;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "medusa-hoarding-"));
    // Backup leases off: a hoarded lease is a straggler once held twice the honest node's lease-to-result time, at
    // least 100 ms (backupAfterMs), so with them the honest node backs the hoarded chunks up and the job ends before
    // any hoarded lease runs out, which is fine for the victim but leaves nothing of the rules under test.
    const env = stackEnv({ ...store, MEDUSA_DATA_DIR: dir, MEDUSA_PORT: "0", MEDUSA_LOCAL_NODES: "0", MEDUSA_NODE_START_WINDOW: String(START_WINDOW), MEDUSA_BACKUP_LEASES: "0" });
    stack = await startStack(env, () => {});
  }, 60_000);

  afterAll(async () => {
    for (const p of procs) p.kill("SIGKILL");
    await Promise.all(procs.map((p) => p.exited));
    await stack?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("a node declaring 1 slot and asking for 1,000 holds at most its cap, loses its record, and fails nobody's job", async () => {
    const anon = new MedusaClient(stack.url);
    const consumer = anon.withKey((await anon.signUp("victim@example.com", "victim-password")).apiKey);
    const register = async (email: string, name: string) => {
      const client = anon.withKey((await anon.signUp(email, `${name}-password`)).apiKey);
      const { nodeToken } = (await (await client.request("POST", "/v1/nodes", { name })).json()) as { nodeToken: string };
      return { client, nodeToken };
    };
    const evil = await register("evil@example.com", "evil-box");
    const honest = await register("honest@example.com", "honest-box");

    const frames: GatewayMessage[] = [];
    const ws = new WebSocket(`${stack.url.replace(/^http/, "ws")}/v1/nodes/ws`, { headers: { Authorization: `Bearer ${evil.nodeToken}` } });
    ws.onmessage = (e) => frames.push(GatewayMessage.parse(JSON.parse(String(e.data))));
    await until(async () => frames.some((f) => f.type === "welcome"), 30_000, "the hoarder's welcome");
    const send = (body: object) => ws.send(JSON.stringify({ v: NODE_PROTOCOL_VERSION, ...body }));
    send({ type: "hello", slots: 1, sandbox: "process", runtimes: ["python", "wasi"], version: "hoarder" });
    for (let i = 0; i < 10; i++) send({ type: "want", n: 1000 });
    const refusals = () => frames.filter((f) => f.type === "error" && f.code === "rate_limited");
    await until(async () => refusals().length === 10, 30_000, "a refusal for each want past the cap");
    expect(refusals()[0]).toMatchObject({ message: expect.stringContaining("holds at most 32 chunks") });

    const source = "def map(x):\n    return x + 1\n";
    const job = await consumer.submit({ program: { runtime: "python", source }, input: { range: { start: 0, stop: CHUNKS } }, chunkSize: 1, timeoutMs: 3_000 });
    const hoarded = () => frames.filter((f) => f.type === "chunk").length;
    await until(async () => hoarded() === START_WINDOW, 30_000, "the hoarder's window filled");

    const proc = Bun.spawn([process.execPath, "node/src/main.ts", "--gateway", stack.url, "--token", honest.nodeToken, "--slots", "1", "--no-ui", "--settings", join(dir, "honest.json")], { cwd: root, stdout: "pipe", stderr: "pipe" });
    procs.push(proc);
    for (const stream of [proc.stdout, proc.stderr]) void (async () => { for await (const c of stream) output.push(new TextDecoder().decode(c)); })();

    const final = await until(async () => {
      const status = await consumer.job(job.id);
      return status.state === "running" || status.state === "queued" ? false : status;
    }, 150_000, "the victim's job to end", { everyMs: 250, context: () => output.join("").slice(-3000) });
    expect(final).toMatchObject({ state: "done", chunks: { total: CHUNKS, done: CHUNKS } });
    // Only the hoarder's first expiry cost the consumer an attempt.
    expect(final.chunks.failed).toBeLessThanOrEqual(1);
    expect(await consumer.results(job.id)).toEqual(Array.from({ length: CHUNKS }, (_, i) => i + 1));

    // Its window, then one chunk at a time as its leases ran out (the window never falls below one), never one
    // it had let run out; its record shows every expiry.
    const indexes = frames.flatMap((f) => (f.type === "chunk" ? [f.chunk.index] : []));
    expect(new Set(indexes).size).toBe(indexes.length);
    expect(indexes.length).toBeGreaterThanOrEqual(START_WINDOW);
    const [node] = Nodes.parse(await (await evil.client.request("GET", "/v1/nodes")).json()).nodes;
    expect(node!.reputation).toMatchObject({ accepted: 0 });
    expect(node!.reputation?.expired).toBeGreaterThanOrEqual(START_WINDOW);
    ws.close();
  }, 240_000);
}

describe("hoarding node, SQLite chunk state", () => hoarding({}));
describe.skipIf(!(await redisAvailable()))("hoarding node, Redis chunk state", () =>
  hoarding({ MEDUSA_REDIS_URL: TEST_REDIS_URL, MEDUSA_PREFIX: testPrefix("hoarding") }),
);
