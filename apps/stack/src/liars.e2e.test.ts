import { until } from "@medusa/testing/until";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { redisAvailable, testPrefix, TEST_REDIS_URL } from "@medusa/testing/servers";
import type { Subprocess } from "bun";
import { NodeSummary, type JobEvent } from "@medusa/core";
import { z } from "zod";
import { MedusaClient } from "@medusa/client";
import { stackEnv } from "./env.ts";
import { startStack, type Stack } from "./stack.ts";

/**
 * The liar simulation: the embedded stack requiring distinct owners per
 * chunk (not distinct networks: every node here is on 127.0.0.1), two honest
 * volunteers each running a real node process, and three
 * liar processes (test/liar-node.ts) speaking the node protocol: Mallory's
 * two nodes collude on the same wrong answers, Trudy's node answers wrong
 * too and also sends results for chunks it does not hold and replays old
 * ones. With replicas: 2 every accepted result must be correct, and the
 * liars must earn nothing. Run once on each chunk store (SQLite, Redis).
 */
const root = resolve(import.meta.dir, "../../..");
const CHUNKS = 30;
const Nodes = z.object({ nodes: z.array(NodeSummary.extend({ state: z.string() })) });
const nodesOf = async (client: MedusaClient) => Nodes.parse(await (await client.request("GET", "/v1/nodes")).json()).nodes;

async function volunteer(anon: MedusaClient, name: string, nodeNames: string[]) {
  const client = anon.withKey((await anon.signUp(`${name}@example.com`, `${name}-password`)).apiKey);
  const tokens: string[] = [];
  for (const nodeName of nodeNames) tokens.push(((await (await client.request("POST", "/v1/nodes", { name: nodeName })).json()) as { nodeToken: string }).nodeToken);
  return { client, tokens, starting: (await client.me()).credits.available };
}

function liarSimulation(store: Record<string, string>) {
  const procs: Subprocess[] = [];
  const output: string[] = [];
  const logged: string[] = [];
  let dir: string;
  let stack: Stack;

  function spawn(name: string, args: string[]): Subprocess {
    const proc = Bun.spawn([process.execPath, ...args], { cwd: root, stdout: "pipe", stderr: "pipe" });
    for (const stream of [proc.stdout, proc.stderr]) {
      void (async () => {
        for await (const chunk of stream) output.push(`[${name}] ${new TextDecoder().decode(chunk)}`);
      })();
    }
    procs.push(proc);
    return proc;
  }

  const waitFor = (check: () => Promise<boolean>, what: string, ms = 60_000) => until(check, ms, what, { everyMs: 100, context: () => output.join("").slice(-4000) });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "medusa-liars-"));
    // Every node here connects from 127.0.0.1, so networks cannot tell them apart: owners must.
    const env = stackEnv({ ...store, MEDUSA_DATA_DIR: dir, MEDUSA_PORT: "0", MEDUSA_LOCAL_NODES: "0", MEDUSA_SAME_OWNER_REPLICAS: "0", MEDUSA_DISTINCT_ORIGINS: "0", MEDUSA_PRICE_PER_CHUNK: "1" });
    stack = await startStack(env, (m) => logged.push(m));
  }, 60_000);

  afterAll(async () => {
    for (const p of procs) p.kill("SIGKILL");
    await Promise.all(procs.map((p) => p.exited));
    await stack?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("with replicas: 2, liars' wrong, foreign and replayed results are never accepted and earn nothing", async () => {
    const anon = new MedusaClient(stack.url);
    const consumer = anon.withKey((await anon.signUp("consumer@example.com", "consumer-password")).apiKey);
    const ada = await volunteer(anon, "ada", ["ada-box"]);
    const bob = await volunteer(anon, "bob", ["bob-box"]);
    const mallory = await volunteer(anon, "mallory", ["mallory-1", "mallory-2"]);
    const trudy = await volunteer(anon, "trudy", ["trudy-1"]);

    // Liars connect first, so they are first in line for every chunk.
    const liar = (name: string, token: string, lies: string, skew: number) =>
      spawn(name, ["apps/stack/test/liar-node.ts", "--gateway", stack.url, "--token", token, "--lies", lies, "--skew", String(skew)]);
    liar("mallory-1", mallory.tokens[0]!, "wrong", 1);
    liar("mallory-2", mallory.tokens[1]!, "wrong", 1);
    liar("trudy-1", trudy.tokens[0]!, "wrong,foreign,replay", 2);
    await waitFor(async () => (await nodesOf(mallory.client)).every((n) => n.state === "online") && (await nodesOf(trudy.client))[0]?.state === "online", "liars online");
    for (const [name, v] of [["ada", ada], ["bob", bob]] as const) {
      spawn(name, ["node/src/main.ts", "--gateway", stack.url, "--token", v.tokens[0]!, "--slots", "1", "--no-ui", "--settings", join(dir, `${name}-settings.json`)]);
    }
    await waitFor(async () => (await nodesOf(ada.client))[0]?.state === "online" && (await nodesOf(bob.client))[0]?.state === "online", "honest nodes online");

    const source = "def map(x):\n    return x * 7\n";
    const job = await consumer.submit({ program: { runtime: "python", source }, input: { range: { start: 0, stop: CHUNKS * 10 } }, chunkSize: 10, replicas: 2 });
    const chunkEvents: Array<Extract<JobEvent, { type: "chunk" }>> = [];
    const final = await consumer.follow(job.id, (e) => void (e.type === "chunk" && chunkEvents.push(e)));
    expect(final.state).toBe("done");
    expect(await consumer.results(job.id)).toEqual(Array.from({ length: CHUNKS * 10 }, (_, i) => i * 7));

    // Every chunk was accepted on an honest node's result, and the liars did take part.
    const honestIds = new Set([...(await nodesOf(ada.client)), ...(await nodesOf(bob.client))].map((n) => n.nodeId));
    expect(chunkEvents).toHaveLength(CHUNKS);
    expect(chunkEvents.every((e) => honestIds.has(e.nodeId))).toBe(true);
    const liarNodes = [...(await nodesOf(mallory.client)), ...(await nodesOf(trudy.client))];
    expect(liarNodes.map((n) => n.reputation?.agreed)).toEqual([0, 0, 0]);
    expect(liarNodes.reduce((sum, n) => sum + (n.reputation?.disagreed ?? 0), 0)).toBeGreaterThan(0);
    const trudyId = liarNodes.find((n) => n.name === "trudy-1")!.nodeId;
    expect(logged.some((m) => m.includes(`from node ${trudyId} rejected: stale`))).toBe(true);

    // Each chunk paid its two agreeing (honest) nodes 1 credit each; the liars earned nothing.
    const earned = async (v: typeof ada) => (await nodesOf(v.client)).reduce((sum, n) => sum + n.creditsEarned, 0);
    await waitFor(async () => (await earned(ada)) + (await earned(bob)) === 2 * CHUNKS && (await consumer.me()).credits.held === 0, "settlement");
    expect([await earned(ada), await earned(bob)]).toEqual([CHUNKS, CHUNKS]);
    expect((await nodesOf(ada.client))[0]!.reputation).toMatchObject({ agreed: CHUNKS, disagreed: 0, streak: CHUNKS });
    for (const v of [mallory, trudy]) {
      expect(await earned(v)).toBe(0);
      expect((await v.client.me()).credits).toEqual({ available: v.starting, held: 0 });
    }
    expect((await consumer.job(job.id)).credits).toEqual({ held: 0, spent: 2 * CHUNKS });
  }, 180_000);
}

describe("liar simulation, SQLite chunk state", () => liarSimulation({}));
describe.skipIf(!(await redisAvailable()))("liar simulation, Redis chunk state", () =>
  liarSimulation({ MEDUSA_REDIS_URL: TEST_REDIS_URL, MEDUSA_PREFIX: testPrefix("liars") }),
);
