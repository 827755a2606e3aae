/**
 * Does a chunk cost more in a bigger job? The chunk store alone (as the
 * stack opens it): one job of N one-item chunks, then lease 1 + complete 1
 * for the first `window` chunks (the queue still holds N) and for the last
 * `window` (N − window already done and their results stored). Flat
 * chunks/s across N and between the two windows means no transition scans
 * the job or the queue.
 *
 *   bun bench/profile/store-growth.ts [--sizes 10000,100000,1000000] [--window 2000] [--store sqlite|redis]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import Redis from "ioredis";
import { RedisChunkStore, SqliteChunkStore } from "@medusa/adapters";
import { chunksOf, jobRecord } from "@medusa/adapters/chunks/chunk-store.fixtures";
import type { ChunkStore } from "@medusa/core";
import { dropPrefix } from "../lib/redis-prefix.ts";

const { values } = parseArgs({ options: { sizes: { type: "string", default: "10000,100000,1000000" }, window: { type: "string", default: "2000" }, store: { type: "string", default: "sqlite" } } });
const sizes = values.sizes.split(",").map(Number);
const win = Number(values.window);
const dir = mkdtempSync(join(tmpdir(), "medusa-store-growth-"));
const redisUrl = values.store === "redis" ? (process.env.MEDUSA_REDIS_URL ?? "redis://127.0.0.1:6379") : undefined;
const prefix = `storegrowth${Date.now().toString(36)}`;

async function cycles(store: ChunkStore, count: number, now: number): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < count; i++) {
    const { leases } = await store.leaseChunks("node_1", 1, now);
    const l = leases[0]!;
    await store.completeChunk({ jobId: l.jobId, index: l.index, token: l.token, nodeId: "node_1" }, "[1]", now);
  }
  return Math.round((count / (performance.now() - t0)) * 1000);
}

for (const n of sizes) {
  // The Redis store closes the connection it is given, so each size gets its own.
  const redis = redisUrl ? new Redis(redisUrl) : undefined;
  const store: ChunkStore = redis ? new RedisChunkStore(redis, `${prefix}${n}`) : new SqliteChunkStore(join(dir, `${n}.sqlite`));
  const job = jobRecord({ timeoutMs: 3_600_000 });
  const now = Date.now();
  await store.createJob(job, now);
  const a = performance.now();
  for (let i = 0; i < n; i += 500) await store.addChunks(job.id, chunksOf(Math.min(500, n - i), 1));
  await store.sealJob(job.id, n, now);
  const addS = (performance.now() - a) / 1000;
  const first = await cycles(store, win, now);
  // Run the middle of the job through in big leases, as nodes do, so the last window finds N − window done.
  for (let left = n - 2 * win; left > 0; ) {
    const { leases } = await store.leaseChunks("node_1", Math.min(500, left), now);
    for (const l of leases) await store.completeChunk({ jobId: l.jobId, index: l.index, token: l.token, nodeId: "node_1" }, "[1]", now);
    left -= leases.length;
  }
  const last = await cycles(store, win, now);
  console.log(`${values.store} N=${n}: added in ${addS.toFixed(1)} s; lease 1 + complete 1: first ${win} ${first}/s, last ${win} ${last}/s (load ${loadavg()[0]!.toFixed(1)})`);
  if (redis) await dropPrefix(redis, `${prefix}${n}`);
  await store.close();
}
rmSync(dir, { recursive: true, force: true });
process.exit(0);
