/**
 * Which SQLite chunk-store statements scan a table? Records every statement
 * the store prepares while it creates a job, adds and seals 50 chunks and
 * leases and completes each one (the per-chunk path), then prints each
 * statement whose `EXPLAIN QUERY PLAN` has a SCAN (a cost that grows with a
 * table, so with the job or the queue). Statements are recorded by wrapping
 * Database.prototype.prepare/query from outside; the store is not changed.
 *
 *   bun bench/profile/store-plans.ts
 */
import { Database } from "bun:sqlite";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SqliteChunkStore } from "@medusa/adapters";
import { chunksOf, jobRecord } from "@medusa/adapters/chunks/chunk-store.fixtures";

const seen = new Set<string>();
type Prepare = (this: Database, sql: string, ...rest: unknown[]) => unknown;
for (const name of ["prepare", "query"] as const) {
  const original = Database.prototype[name] as unknown as Prepare;
  (Database.prototype as unknown as Record<string, Prepare>)[name] = function (this: Database, sql: string, ...rest: unknown[]) {
    seen.add(sql);
    return original.call(this, sql, ...rest);
  };
}

const dir = mkdtempSync(join(tmpdir(), "medusa-store-plans-"));
const file = join(dir, "chunks.sqlite");
const store = new SqliteChunkStore(file);
const job = jobRecord({ timeoutMs: 60_000 });
const now = Date.now();
await store.createJob(job, now);
await store.addChunks(job.id, chunksOf(50, 1));
await store.sealJob(job.id, 50, now);
for (let i = 0; i < 50; i++) {
  const { leases } = await store.leaseChunks("node_1", 1, now);
  const l = leases[0]!;
  await store.completeChunk({ jobId: l.jobId, index: l.index, token: l.token, nodeId: "node_1" }, "[1]", now);
}

const db = new Database(file);
let scanning = 0;
const statementsSeen = [...seen].filter((sql) => /^\s*(SELECT|UPDATE|DELETE|INSERT|WITH)/i.test(sql));
for (const sql of statementsSeen) {
  const plan = db.prepare(`EXPLAIN QUERY PLAN ${sql}`);
  const rows = plan.all(...Array<null>(plan.paramsCount).fill(null)) as Array<{ detail: string }>;
  // json_each is the node's list of runtimes, a handful of values.
  if (!rows.some((r) => r.detail.startsWith("SCAN") && !r.detail.includes("json_each"))) continue;
  scanning++;
  console.log(`${sql.replace(/\s+/g, " ").trim()}\n    ${rows.map((r) => r.detail).join(" | ")}`);
}
console.log(`${statementsSeen.length} statements, ${scanning} with a table scan`);
db.close();
await store.close();
rmSync(dir, { recursive: true, force: true });
