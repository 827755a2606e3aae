import { afterAll, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chunkStoreContract, itemsChunk, jobRecord } from "./chunk-store.contract.ts";
import { SqliteChunkStore } from "./sqlite-chunk-store.ts";

chunkStoreContract("sqlite (memory)", async (options) => new SqliteChunkStore(":memory:", options));

describe("SqliteChunkStore on a file", () => {
  const dir = mkdtempSync(join(tmpdir(), "medusa-chunks-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("state survives reopening the database, queue order included", async () => {
    const path = join(dir, "chunks.db");
    const first = new SqliteChunkStore(path);
    const job = jobRecord();
    await first.createJob(job, 1);
    await first.addChunks(job.id, [itemsChunk(0, 1), itemsChunk(1, 1), itemsChunk(2, 1)]);
    const lease = (await first.leaseChunks("n1", 1, 1)).leases[0]!;
    await first.failChunk({ ...lease, nodeId: "n1" }, { message: "x" }, 2);
    await first.close();

    const second = new SqliteChunkStore(path);
    expect((await second.getJob(job.id))!.chunks).toEqual({ total: 3, done: 0, running: 0, failed: 1 });
    expect((await second.leaseChunks("n2", 3, 3)).leases.map((l) => [l.index, l.attempt])).toEqual([[0, 2], [1, 1], [2, 1]]);
    expect((await second.readEvents(job.id, 0, 100)).map((e) => e.id)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    await second.close();
  });

  test("a chunk leased under the one-lease-per-chunk release goes back to the front of the queue on opening", async () => {
    const path = join(dir, "old.db");
    const first = new SqliteChunkStore(path);
    const job = jobRecord();
    await first.createJob(job, 1);
    await first.addChunks(job.id, [itemsChunk(0, 1), itemsChunk(1, 1)]);
    await first.close();
    // How the old release recorded a lease: on the chunk row, out of the queue, counted as running.
    const raw = new Database(path);
    raw.exec(`UPDATE chunks SET state = 'leased', queue_pos = NULL WHERE idx = 1; UPDATE jobs SET running = 1`);
    raw.close();

    const second = new SqliteChunkStore(path);
    expect((await second.getJob(job.id))!.chunks.running).toBe(0);
    const leases = (await second.leaseChunks("n1", 5, 2)).leases;
    expect(leases.map((l) => l.index)).toEqual([1, 0]);
    expect((await second.completeChunk({ ...leases[0]!, nodeId: "n1" }, "[1]", 3)).outcome).toBe("accepted");
    await second.close();
  });

  test("retention: an expired job's rows are gone from every table but expired_jobs", async () => {
    const path = join(dir, "retention.db");
    const store = new SqliteChunkStore(path);
    const job = jobRecord();
    await store.createJob(job, 1);
    await store.addChunks(job.id, [itemsChunk(0, 1), itemsChunk(1, 1)]);
    await store.leaseChunks("n1", 1, 2);
    await store.failJob(job.id, "stopped", 3);
    expect((await store.expireJobs({ finishedBefore: 3, now: 10, limit: 5, forgetAfterMs: 1000 })).expired).toHaveLength(1);
    await store.close();
    const raw = new Database(path);
    const count = (table: string, column = "job_id") => (raw.query(`SELECT count(*) AS n FROM ${table} WHERE ${column} = ?`).get(job.id) as { n: number }).n;
    expect([count("jobs", "id"), count("chunks"), count("replicas"), count("events")]).toEqual([0, 0, 0, 0]);
    expect(count("expired_jobs", "id")).toBe(1);
    raw.close();
  });
});
