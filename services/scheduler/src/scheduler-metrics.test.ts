import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Redis from "ioredis";
import { openChunkStats, RedisChunkStore, SqliteChunkStore } from "@medusa/adapters";
import { chunksOf, holderOf, jobRecord, T0 } from "@medusa/adapters/chunks/chunk-store.fixtures";
import { PortEnv, type ChunkStore } from "@medusa/core";
import { serviceRegistry } from "@medusa/ops";
import { Scrape } from "@medusa/testing/prometheus";
import { redisAvailable, testPrefix, TEST_REDIS_URL } from "@medusa/testing/servers";
import { chunkStoreGauges, meteredChunkStore } from "./scheduler-metrics.ts";

const dir = mkdtempSync(join(tmpdir(), "medusa-metrics-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const adapters: Array<[string, () => { store: ChunkStore; env: PortEnv }, boolean]> = [
  ["SQLite", () => ({ store: new SqliteChunkStore(join(dir, "chunks.sqlite")), env: PortEnv.parse({ MEDUSA_DATA_DIR: dir }) }), true],
  [
    "Redis",
    () => {
      const prefix = testPrefix("metrics");
      return { store: new RedisChunkStore(new Redis(TEST_REDIS_URL), prefix), env: PortEnv.parse({ MEDUSA_REDIS_URL: TEST_REDIS_URL, MEDUSA_PREFIX: prefix }) };
    },
    await redisAvailable(),
  ],
];

for (const [name, open, available] of adapters) {
  describe.skipIf(!available)(`the scheduler's metrics on the ${name} chunk store`, () => {
    test("count the transitions this replica made and read the queue, the leases and the outbox from the store", async () => {
      const { store: raw, env } = open();
      const registry = serviceRegistry("scheduler");
      const store = meteredChunkStore(raw, registry);
      const stats = openChunkStats(env);
      chunkStoreGauges(stats, registry, () => T0 + 1);
      try {
        const job = jobRecord({ credits: { price: 1, held: 3, spent: 0 } });
        await store.createJob(job, T0);
        await store.addChunks(job.id, chunksOf(3));
        await store.sealJob(job.id, 30, T0);
        const { leases } = await store.leaseChunks("node-a", 2, T0);
        expect(leases).toHaveLength(2);
        expect((await store.completeChunk(holderOf(leases[0]!, "node-a"), "[1]", T0)).outcome).toBe("accepted");
        expect((await store.failChunk(holderOf(leases[1]!, "node-a"), { message: "boom" }, T0)).outcome).toBe("accepted");

        let scrape = new Scrape(await registry.metrics());
        expect(scrape.value("medusa_jobs_total", { state: "created" })).toBe(1);
        expect(scrape.value("medusa_jobs_total", { state: "done" })).toBe(0);
        expect(scrape.value("medusa_chunks_leased_total")).toBe(2);
        expect(scrape.value("medusa_chunks_done_total")).toBe(1);
        expect(scrape.value("medusa_chunk_results_total", { outcome: "accepted" })).toBe(1);
        expect(scrape.value("medusa_chunks_failed_total", { outcome: "accepted" })).toBe(1);
        // The failed chunk went back to the front: two wait, none is leased, one payout waits to be forwarded.
        expect(scrape.value("medusa_chunk_store_up")).toBe(1);
        expect(scrape.value("medusa_queue_depth")).toBe(2);
        expect(scrape.value("medusa_chunks_leased")).toBe(0);
        expect(scrape.value("medusa_settlement_outbox")).toBe(1);

        // A lease left to expire: overdue until the sweep, then counted as an expiry and queued again.
        const late = (await store.leaseChunks("node-b", 1, T0 - 60_000)).leases;
        expect(late).toHaveLength(1);
        scrape = new Scrape(await registry.metrics());
        expect(scrape.value("medusa_chunks_leased")).toBe(1);
        expect(scrape.value("medusa_leases_overdue")).toBe(1);
        await store.requeueExpired(T0 + 1, 100);
        scrape = new Scrape(await registry.metrics());
        expect(scrape.value("medusa_lease_expiries_total")).toBe(1);
        expect(scrape.value("medusa_leases_overdue")).toBe(0);
        expect(scrape.value("medusa_queue_depth")).toBe(2);

        // The rest done: the job ends, the queue is empty, and the job is counted as done.
        for (let round = 0; round < 5; round++) {
          const more = (await store.leaseChunks("node-a", 2, T0 + 2)).leases;
          for (const l of more) await store.completeChunk(holderOf(l, "node-a"), "[1]", T0 + 2);
        }
        scrape = new Scrape(await registry.metrics());
        expect(scrape.value("medusa_jobs_total", { state: "done" })).toBe(1);
        expect(scrape.value("medusa_chunks_done_total")).toBe(3);
        expect(scrape.value("medusa_queue_depth")).toBe(0);
        expect(scrape.value("medusa_jobs_finished_kept")).toBe(1);
      } finally {
        await stats.close();
        await store.close();
      }
    });
  });
}
