import { afterAll, describe, expect, test } from "bun:test";
import Redis from "ioredis";
import { RedisChunkStore } from "@medusa/adapters";
import { jobRecord } from "@medusa/adapters/chunks/chunk-store.contract";
import type { Settlement, SettlementQueue } from "@medusa/core";
import { redisAvailable, TEST_REDIS_URL, testPrefix } from "@medusa/testing/servers";
import { until } from "@medusa/testing/until";
import { forwardSettlements } from "./settlement-forwarder.ts";

/** Two schedulers' forwarders on one Redis outbox: each entry is sent by one of them, once. */
const available = await redisAvailable();

describe.skipIf(!available)("settlement forwarders sharing an outbox", () => {
  const stores: RedisChunkStore[] = [];
  afterAll(async () => {
    for (const s of stores) await s.close();
  });

  test("two forwarders never send the same entries, and between them send them all", async () => {
    const prefix = testPrefix("outbox");
    const [a, b] = [0, 1].map(() => new RedisChunkStore(new Redis(TEST_REDIS_URL), prefix));
    stores.push(a!, b!);
    const sent: Array<{ by: string; batch: Settlement[] }> = [];
    // A slow queue, so both forwarders are mid-pass at once.
    const queue = (by: string): SettlementQueue => ({
      publish: async (batch) => {
        await Bun.sleep(20);
        sent.push({ by, batch });
      },
      consume: () => ({ stop: async () => {} }),
      close: async () => {},
    });
    const forwarders = [forwardSettlements(a!, queue("a"), { batch: 25, gapMs: 0, retryMs: 10 }), forwardSettlements(b!, queue("b"), { batch: 25, gapMs: 0, retryMs: 10 })];
    const ids: string[] = [];
    for (let i = 0; i < 300; i++) {
      const job = jobRecord({ credits: { price: 1, held: 3, spent: 0 } });
      ids.push(job.id);
      await a!.createJob(job, 0);
      await (i % 2 ? a! : b!).cancelJob(job.id, 1);
    }
    await until(async () => (await a!.pendingSettlements(10)).length === 0, 30_000, "the outbox to empty");
    for (const f of forwarders) await f.close();

    const keys = sent.flatMap((s) => s.batch.map((x) => x.key));
    expect(keys.length).toBe(300);
    expect(new Set(keys).size).toBe(300);
    expect(new Set(keys)).toEqual(new Set(ids.map((id) => `refund:${id}`)));
    expect(new Set(sent.map((s) => s.by))).toEqual(new Set(["a", "b"]));
  }, 60_000);
});

describe.skipIf(!available)("a forwarder whose queue refuses a batch", () => {
  test("sends that batch again on its next pass, not once its 10 s claim has run out", async () => {
    const store = new RedisChunkStore(new Redis(TEST_REDIS_URL), testPrefix("outbox-retry"));
    let down = true;
    const sent: Settlement[] = [];
    const queue: SettlementQueue = {
      publish: async (batch) => {
        if (down) throw new Error("credits service down");
        sent.push(...batch);
      },
      consume: () => ({ stop: async () => {} }),
      close: async () => {},
    };
    const job = jobRecord({ credits: { price: 1, held: 3, spent: 0 } });
    await store.createJob(job, 0);
    await store.cancelJob(job.id, 1);
    const forwarder = forwardSettlements(store, queue, { gapMs: 0, retryMs: 50, log: () => {} });
    try {
      await until(async () => (await store.pendingSettlements(10)).length === 1 && !sent.length, 5_000, "a refused pass");
      await Bun.sleep(200);
      down = false;
      const back = performance.now();
      await until(() => sent.length === 1, 5_000, "the refund sent once the queue is back");
      expect(performance.now() - back).toBeLessThan(5_000);
      expect(sent.map((s) => s.key)).toEqual([`refund:${job.id}`]);
      await until(async () => (await store.pendingSettlements(10)).length === 0, 5_000, "acknowledged");
    } finally {
      await forwarder.close();
      await store.close();
    }
  });
});
