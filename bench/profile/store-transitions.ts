/**
 * The chunk store alone: the two transitions every chunk costs (lease one,
 * complete one), timed per store. The SQLite store is measured as shipped
 * (WAL, SQLite's default synchronous=FULL: an fsync per commit) and with
 * synchronous=NORMAL set from outside through its private handle, which is
 * what the "what's in the way" note in bench/README.md recommends.
 *
 *   bun bench/profile/store-transitions.ts [chunks=2000]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Redis from "ioredis";
import { RedisChunkStore, SqliteChunkStore } from "@medusa/adapters";
import { chunksOf, jobRecord } from "@medusa/adapters/chunks/chunk-store.fixtures";
import { errorMessage, type ChunkStore } from "@medusa/core";
import { latencySummary } from "../lib/stats.ts";

const n = Number(process.argv[2] ?? 2000);
const dir = mkdtempSync(join(tmpdir(), "medusa-store-bench-"));

async function cycle(store: ChunkStore) {
  const job = jobRecord({ timeoutMs: 60_000 });
  const now = Date.now();
  await store.createJob(job, now);
  for (let i = 0; i < n; i += 500) await store.addChunks(job.id, chunksOf(Math.min(500, n - i), 1));
  await store.sealJob(job.id, n, now);
  const lease: number[] = [];
  const complete: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const a = performance.now();
    const { leases } = await store.leaseChunks("node_1", 1, now);
    const b = performance.now();
    const l = leases[0]!;
    await store.completeChunk({ jobId: l.jobId, index: l.index, token: l.token, nodeId: "node_1" }, "[1]", now);
    complete.push(performance.now() - b);
    lease.push(b - a);
  }
  const perSec = Math.round((n / (performance.now() - t0)) * 1000);
  return { chunksPerSec: perSec, lease: latencySummary(lease), complete: latencySummary(complete) };
}

const runs: Record<string, unknown> = {};
const sqlite = (name: string, pragma?: string) => {
  const store = new SqliteChunkStore(join(dir, `${name}.sqlite`));
  if (pragma) (store as unknown as { db: { exec(sql: string): void } }).db.exec(pragma);
  return store;
};
for (const [name, make] of [
  ["sqlite as shipped (synchronous=FULL)", () => sqlite("full")],
  ["sqlite synchronous=NORMAL", () => sqlite("normal", "PRAGMA synchronous = NORMAL")],
] as const) {
  const store = make();
  runs[name] = await cycle(store);
  await store.close();
}
const redisUrl = process.env.MEDUSA_REDIS_URL ?? "redis://127.0.0.1:6379";
const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1, lazyConnect: true });
try {
  await redis.connect();
  const store = new RedisChunkStore(redis, `storebench${Date.now().toString(36)}`);
  runs[`redis ${redisUrl}`] = await cycle(store);
  await store.close();
} catch (err) {
  runs.redis = `not measured: ${errorMessage(err)}`;
  redis.disconnect();
}
rmSync(dir, { recursive: true, force: true });

console.log(`lease 1 + complete 1, ${n} chunks of 1 item, one after another (load ${(await import("node:os")).loadavg()[0]!.toFixed(2)}):`);
for (const [name, r] of Object.entries(runs)) {
  if (typeof r === "string") console.log(`  ${name}: ${r}`);
  else {
    const x = r as Awaited<ReturnType<typeof cycle>>;
    console.log(`  ${name.padEnd(40)} ${String(x.chunksPerSec).padStart(6)} chunks/s   lease p50 ${x.lease.p50Ms} p99 ${x.lease.p99Ms} ms   complete p50 ${x.complete.p50Ms} p99 ${x.complete.p99Ms} ms`);
  }
}
process.exit(0);
