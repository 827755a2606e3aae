import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Redis from "ioredis";
import { FolderBlobStore, JetStreamSettlements, NatsBus, RedisChunkStore } from "@medusa/adapters";
import { natsAvailable, redisAvailable, testPrefix, TEST_NATS_URL, TEST_REDIS_URL } from "@medusa/testing/servers";
import { call, holdKey, newId, subjects } from "@medusa/core";
import { serveScheduler } from "@medusa/scheduler";
import { serveSplitter } from "@medusa/splitter";
import { Fleet, type FleetProcess } from "../test/fleet.ts";
import { ScriptedNode } from "../test/scripted-node.ts";
import { until } from "@medusa/testing/until";

/**
 * Credits held for a job that was never stored — what a scheduler killed
 * between its hold and its store write leaves, or a Redis that lost its last
 * second — come back to their owner; a running job's escrow, a session's,
 * and anything held while the scheduler cannot answer, stay. The credits
 * service is its own process on real NATS, with a 1.5 s grace; the scheduler
 * runs here on Redis, so the test can stop it and start it again.
 */
const ready = (await natsAvailable()) && (await redisAvailable());
const GRACE_MS = 1500;

describe.skipIf(!ready)("escrows of jobs that were never stored", () => {
  const prefix = testPrefix("orphan");
  let dir: string;
  let bus: NatsBus;
  let settlements: JetStreamSettlements;
  let fleet: Fleet;
  let credits: FleetProcess;
  const output = () => credits.output.join("");
  let chunks: RedisChunkStore;
  let scheduler: ReturnType<typeof serveScheduler>;
  let closeAll: () => Promise<void>;
  const startScheduler = () => serveScheduler(bus, { store: chunks, blobs: new FolderBlobStore(join(dir, "blobs")), settlements, pricePerChunk: 1, sweepMs: 200 });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "medusa-orphan-"));
    bus = await NatsBus.connect(TEST_NATS_URL, { prefix, name: "orphan-escrow-test" });
    settlements = await JetStreamSettlements.open(bus.nc, { prefix });
    chunks = new RedisChunkStore(new Redis(TEST_REDIS_URL), prefix);
    const splitter = serveSplitter(bus, { blobs: new FolderBlobStore(join(dir, "blobs")) });
    scheduler = startScheduler();
    fleet = new Fleet({ MEDUSA_NATS_URL: TEST_NATS_URL, MEDUSA_PREFIX: prefix, MEDUSA_DATA_DIR: dir, MEDUSA_STARTER_CREDITS: "1000", MEDUSA_CONFIRM_EMAIL: "0", MEDUSA_ORPHAN_ESCROW_MS: String(GRACE_MS) });
    credits = fleet.service("credits");
    await until(async () => output().includes("[credits] serving"), 20_000, "credits to serve");
    closeAll = async () => {
      await fleet.close();
      await scheduler.close();
      await splitter.close();
      await settlements.destroy();
      await bus.drain();
      const redis = new Redis(TEST_REDIS_URL);
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length) await redis.del(...keys);
      redis.disconnect();
      await chunks.close();
      rmSync(dir, { recursive: true, force: true });
    };
  }, 30_000);
  afterAll(() => closeAll());

  test("an orphaned hold is refunded once; a live job's, a session's and an unanswered one are not", async () => {
    const signUp = async (email: string) => (await call(bus, subjects.createAccount, { email, password: "correct horse" })).id;
    const credit = async (accountId: string) => (await call(bus, subjects.getAccount, { accountId })).credits;
    const consumer = await signUp("ada@example.com");
    const vol = await signUp("vol@example.com");
    const node = new ScriptedNode(bus, (await call(bus, subjects.registerNode, { ownerId: vol, name: "box" })).nodeId);
    const hold = (jobId: string, amount: number) => call(bus, subjects.holdCredits, { key: holdKey(jobId), owner: consumer, jobId, amount });

    const job = await call(bus, subjects.createJob, {
      owner: consumer,
      spec: { name: "plus one", program: { runtime: "python", source: "def map(x):\n    return x + 1\n" }, input: { range: { start: 0, stop: 20, step: 1 } }, chunkSize: 1, replicas: 1, timeoutMs: 60_000, maxAttempts: 3, maxCredits: 20 },
    });
    expect(await node.work(5)).toBe(5);
    await until(async () => (await credit(vol)).available === 1005, 20_000, "the first payouts");
    const orphan = newId("job");
    await hold(orphan, 30);
    await hold(newId("sess"), 5);
    expect(await credit(consumer)).toEqual({ available: 945, held: 50 });

    await until(async () => (await credit(consumer)).held === 20, 15_000, "the orphaned hold refunded").catch((err) => {
      throw new Error(`${err.message}\n${output().slice(-3000)}`);
    });
    expect(await credit(consumer)).toEqual({ available: 975, held: 20 });
    expect(output()).toContain(`refunded 30 credits held for ${orphan}`);
    // The live job kept its escrow past several passes.
    await Bun.sleep(2 * GRACE_MS);
    expect(await credit(consumer)).toEqual({ available: 975, held: 20 });

    // With no scheduler to ask, a new orphan waits: nothing is refunded on a guess.
    await scheduler.close();
    const unanswered = newId("job");
    await hold(unanswered, 7);
    await Bun.sleep(3 * GRACE_MS);
    expect(await credit(consumer)).toEqual({ available: 968, held: 27 });
    scheduler = startScheduler();
    await until(async () => (await credit(consumer)).held === 20, 15_000, "the unanswered orphan refunded once the scheduler answers");

    expect(await node.work(15)).toBe(15);
    await until(async () => (await call(bus, subjects.getJob, { owner: consumer, jobId: job.id })).state === "done", 20_000, "job done");
    await until(async () => (await credit(vol)).available === 1020, 20_000, "the payouts");
    // Left: the session's 5. Spent: the job's 20 chunks.
    expect(await credit(consumer)).toEqual({ available: 975, held: 5 });
    expect(output().split("refunded ").length - 1).toBe(2);
  }, 90_000);
});
