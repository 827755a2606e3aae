import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DirectSettlements, FolderBlobStore, NatsBus, RedisChunkStore } from "@medusa/adapters";
import type { JobEvent } from "@medusa/core";
import { serveScheduler } from "@medusa/scheduler";
import { natsAvailable, redisAvailable, testPrefix, TEST_NATS_URL, TEST_REDIS_URL } from "@medusa/testing/servers";
import Redis from "ioredis";
import { MedusaClient } from "@medusa/client";
import { startStack, type Stack } from "./stack.ts";
import { stackEnv } from "./env.ts";
import { ScriptedNode } from "../test/scripted-node.ts";

/**
 * Job events with three schedulers on real NATS and Redis: each publishes the
 * events of the transitions it made, so they reach a gateway interleaved; a
 * subscriber must still see every id once, in order.
 */
const ready = (await natsAvailable()) && (await redisAvailable());

describe.skipIf(!ready)("job events with three schedulers", () => {
  const prefix = testPrefix("ev3");
  let dir: string;
  let stack: Stack;
  const closers: Array<() => Promise<unknown>> = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "medusa-ev3-"));
    const env = stackEnv({ MEDUSA_NATS_URL: TEST_NATS_URL, MEDUSA_REDIS_URL: TEST_REDIS_URL, MEDUSA_PREFIX: prefix, MEDUSA_DATA_DIR: dir, MEDUSA_PORT: "0", MEDUSA_LOCAL_NODES: "0", MEDUSA_PRICE_PER_CHUNK: "0" });
    stack = await startStack(env, () => {});
    // Two more schedulers, each with its own connections, in the same queue group as the stack's.
    for (let i = 0; i < 2; i++) {
      const bus = await NatsBus.connect(TEST_NATS_URL, { prefix, name: `scheduler-${i}` });
      const store = new RedisChunkStore(new Redis(TEST_REDIS_URL), prefix);
      const blobs = new FolderBlobStore(join(dir, "blobs"));
      const scheduler = serveScheduler(bus, { store, blobs, settlements: new DirectSettlements(), pricePerChunk: 0, log: () => {} });
      closers.push(async () => {
        await scheduler.close();
        await bus.drain();
        await store.close();
      });
    }
  }, 60_000);

  afterAll(async () => {
    for (const close of closers) await close();
    await stack?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("two subscribers see every event id exactly once, in order, whichever scheduler made it", async () => {
    const anon = new MedusaClient(stack.url);
    const consumer = anon.withKey((await anon.signUp("ev3@example.com", "a long password")).apiKey);
    const job = await consumer.submit({ program: { runtime: "python", source: "def map(x):\n    return x + 1\n" }, input: { range: { start: 0, stop: 400 } }, chunkSize: 2 });
    const seen: number[][] = [[], []];
    const followed = seen.map((ids) => consumer.follow(job.id, (e: JobEvent) => ids.push(e.id)));

    // Eight nodes on their own connections: their requests spread over the three schedulers.
    const nodes = await Promise.all(
      Array.from({ length: 8 }, async (_, i) => {
        const bus = await NatsBus.connect(TEST_NATS_URL, { prefix, name: `node-${i}` });
        closers.push(() => bus.drain());
        return new ScriptedNode(bus, `node_${i}`);
      }),
    );
    await Promise.all(nodes.map((n) => n.work(200)));
    const [first, second] = await Promise.all(followed);
    expect(first!.state).toBe("done");
    expect(second!.state).toBe("done");
    expect(await consumer.results(job.id)).toEqual(Array.from({ length: 400 }, (_, i) => i + 1));

    // Every id from 1 to the final event's, once each and in order, on both sockets.
    const last = seen[0]!.at(-1)!;
    expect(last).toBeGreaterThan(200);
    for (const ids of seen) expect(ids).toEqual(Array.from({ length: last }, (_, i) => i + 1));
  }, 180_000);
});
