import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import Redis from "ioredis";
import type { Subprocess } from "bun";
import { FolderBlobStore, JetStreamSettlements, NatsBus, RedisChunkStore } from "@medusa/adapters";
import { natsAvailable, redisAvailable, testPrefix, TEST_NATS_URL, TEST_REDIS_URL } from "@medusa/testing/servers";
import { call, subjects } from "@medusa/core";
import { serveScheduler } from "@medusa/scheduler";
import { serveSplitter } from "@medusa/splitter";
import { ScriptedNode } from "../test/scripted-node.ts";
import { until } from "@medusa/testing/until";

/**
 * The credits service as its own process on real NATS, SIGKILLed while a
 * job's payouts stream through JetStream, then restarted on the same ledger.
 * Scheduler and splitter run in this process on Redis; a node played over
 * the bus completes 400 one-item chunks at the default price of 1.
 */
const root = resolve(import.meta.dir, "../../..");
const ready = (await natsAvailable()) && (await redisAvailable());

describe.skipIf(!ready)("credits service killed mid-payouts", () => {
  const prefix = testPrefix("cr");
  const output: string[] = [];
  let dir: string;
  let bus: NatsBus;
  let settlements: JetStreamSettlements;
  let credits: Subprocess | null = null;
  let closeAll: () => Promise<void>;

  function startCredits(): Subprocess {
    const proc = Bun.spawn([process.execPath, "services/credits/src/main.ts"], {
      cwd: root,
      // Confirmed at sign-up: this is about grants and payouts surviving a restart; confirmation.e2e tests the link.
      env: { ...process.env, MEDUSA_NATS_URL: TEST_NATS_URL, MEDUSA_PREFIX: prefix, MEDUSA_DATA_DIR: dir, MEDUSA_STARTER_CREDITS: "1000", MEDUSA_CONFIRM_EMAIL: "0" },
      stdout: "pipe",
      stderr: "pipe",
    });
    for (const stream of [proc.stdout, proc.stderr]) {
      void (async () => {
        for await (const chunk of stream) output.push(new TextDecoder().decode(chunk));
      })();
    }
    return proc;
  }
  const servingCount = () => output.join("").split("[credits] serving").length - 1;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "medusa-credits-kill-"));
    bus = await NatsBus.connect(TEST_NATS_URL, { prefix, name: "credits-kill-test" });
    settlements = await JetStreamSettlements.open(bus.nc, { prefix });
    const blobs = new FolderBlobStore(join(dir, "blobs"));
    const chunks = new RedisChunkStore(new Redis(TEST_REDIS_URL), prefix);
    const splitter = serveSplitter(bus, { blobs });
    const scheduler = serveScheduler(bus, { store: chunks, blobs, settlements, pricePerChunk: 1, sweepMs: 200 });
    credits = startCredits();
    await until(async () => servingCount() === 1, 20_000, "credits to serve");
    closeAll = async () => {
      credits?.kill("SIGKILL");
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

  test("after a SIGKILL and a restart, every payout and the refund land exactly once", async () => {
    const signUp = async (email: string) => (await call(bus, subjects.createAccount, { email, password: "correct horse" })).id;
    const available = async (accountId: string) => (await call(bus, subjects.getAccount, { accountId }).catch(() => null))?.credits;
    const consumer = await signUp("ada@example.com");
    const vol = await signUp("vol@example.com");
    const { nodeId } = await call(bus, subjects.registerNode, { ownerId: vol, name: "box" });
    const node = new ScriptedNode(bus, nodeId);

    const job = await call(bus, subjects.createJob, {
      owner: consumer,
      spec: { name: "plus one", program: { runtime: "python", source: "def map(x):\n    return x + 1\n" }, input: { range: { start: 0, stop: 400, step: 1 } }, chunkSize: 1, replicas: 1, timeoutMs: 60_000, maxAttempts: 3, maxCredits: 400 },
    });
    expect(await available(consumer)).toEqual({ available: 600, held: 400 });
    // Paced, so the kill lands while payouts still flow however fast the machine is (400 chunks take 4 s or more).
    const working = node.work(400, 10);

    await until(async () => ((await available(vol))?.available ?? 0) >= 1050, 30_000, "payouts flowing");
    expect((await available(vol))!.available).toBeLessThan(1400);
    credits!.kill("SIGKILL");
    await credits!.exited;
    await Bun.sleep(300);
    credits = startCredits();
    await until(async () => servingCount() === 2, 20_000, "credits to serve again");

    expect(await working).toBe(400);
    await until(async () => (await call(bus, subjects.getJob, { owner: consumer, jobId: job.id })).state === "done", 30_000, "job done");
    await until(async () => (await available(vol))?.available === 1400, 30_000, "all payouts").catch(async (err) => {
      throw new Error(`${err.message}: volunteer has ${JSON.stringify(await available(vol))}\n${output.join("").slice(-3000)}`);
    });
    await until(async () => (await available(consumer))?.held === 0, 30_000, "escrow settled");
    expect(await available(consumer)).toEqual({ available: 600, held: 0 });
    expect(await available(vol)).toEqual({ available: 1400, held: 0 });
    const { nodes } = await call(bus, subjects.listNodes, { ownerId: vol });
    expect(nodes[0]).toMatchObject({ chunksDone: 400, creditsEarned: 400 });
    // Nothing further arrives late: redelivered batches were no-ops.
    await Bun.sleep(2500);
    expect(await available(vol)).toEqual({ available: 1400, held: 0 });
  }, 120_000);
});
