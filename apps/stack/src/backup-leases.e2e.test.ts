import { afterEach, beforeEach, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DirectSettlements, FolderBlobStore, MemoryBus, SqliteAccountStore, SqliteChunkStore, SqliteLedgerStore } from "@medusa/adapters";
import { BACKUP_NO_RESULT_MS, call, subjects, type Bus, type Logger } from "@medusa/core";
import { serveCredits } from "@medusa/credits";
import { serveScheduler } from "@medusa/scheduler";
import { serveSplitter } from "@medusa/splitter";
import { until } from "@medusa/testing/until";
import { ScriptedNode } from "../test/scripted-node.ts";

/**
 * Backup leases end to end (scheduler, splitter, credits and the SQLite
 * ledger over the in-process bus; nodes played over the bus): at the queue's
 * end an idle node gets second leases on chunks another node has held past
 * their straggler time (the scheduler's clock is the test's); the first
 * result of each chunk is accepted and paid, the other is stale and paid
 * nothing, and not a warning; the results come back in input order and the
 * books balance.
 */
let dir: string;
let clock: number;
let warned: string[];
let bus: MemoryBus;
let ledger: SqliteLedgerStore;
let closeAll: () => Promise<void>;

function start(backupLeases: boolean) {
  dir = mkdtempSync(join(tmpdir(), "medusa-backups-e2e-"));
  bus = new MemoryBus();
  const blobs = new FolderBlobStore(join(dir, "blobs"));
  const chunks = new SqliteChunkStore(join(dir, "chunks.sqlite"));
  ledger = new SqliteLedgerStore(join(dir, "ledger.sqlite"));
  const accounts = new SqliteAccountStore(join(dir, "accounts.sqlite"));
  const settlements = new DirectSettlements();
  const credits = serveCredits(bus, { store: accounts, ledger, settlements, starterCredits: 1000, loginTtlMs: 60_000, log: () => {} });
  const splitter = serveSplitter(bus, { blobs });
  clock = Date.now();
  warned = [];
  const log: Logger = { debug: () => {}, info: () => {}, warn: (m) => warned.push(m), error: (m) => warned.push(m) };
  const scheduler = serveScheduler(bus, { store: chunks, blobs, settlements, pricePerChunk: 3, sweepMs: 50, replicaPolicy: { backupLeases }, now: () => clock, log });
  closeAll = async () => {
    await scheduler.close();
    await splitter.close();
    await credits.close();
    await bus.drain();
    for (const c of [chunks, ledger, accounts]) await c.close();
    rmSync(dir, { recursive: true, force: true });
  };
}
beforeEach(() => start(true));
afterEach(() => closeAll());

const signUp = async (b: Bus, email: string) => (await call(b, subjects.createAccount, { email, password: "correct horse" })).id;
const balance = async (accountId: string) => (await call(bus, subjects.getAccount, { accountId })).credits;
async function volunteer(email: string) {
  const ownerId = await signUp(bus, email);
  const { nodeId } = await call(bus, subjects.registerNode, { ownerId, name: "box" });
  return { ownerId, node: new ScriptedNode(bus, nodeId, ownerId) };
}
const py = { runtime: "python" as const, source: "def map(x):\n    return x + 1\n" };
async function submit(owner: string) {
  const job = await call(bus, subjects.createJob, { owner, spec: { name: "job", program: py, input: { range: { start: 0, stop: 8, step: 1 } }, chunkSize: 2, replicas: 1, timeoutMs: 60_000, maxAttempts: 3 } });
  await until(async () => (await call(bus, subjects.getJob, { owner, jobId: job.id })).chunks.total === 4 || undefined, 5000, "split");
  return job;
}

test("the first result of each chunk wins and is paid once; the loser's is stale; results in order; the books balance", async () => {
  const consumer = await signUp(bus, "ada@example.com");
  const a = await volunteer("a@example.com");
  const b = await volunteer("b@example.com");
  const job = await submit(consumer);
  const held = await a.node.lease(4);
  expect(held.map((l) => l.index)).toEqual([0, 1, 2, 3]);
  // The queue is empty, but a's leases are fresh: no backups until they straggle (no result yet: BACKUP_NO_RESULT_MS).
  expect(await b.node.lease(2, 100)).toEqual([]);
  clock += BACKUP_NO_RESULT_MS;
  const backups = await b.node.lease(2);
  expect(backups.map((l) => [l.index, l.attempt])).toEqual([[3, 2], [2, 2]]);
  expect((await b.node.complete(backups[0]!)).outcome).toBe("accepted");
  for (const l of held.slice(0, 3)) expect((await a.node.complete(l)).outcome).toBe("accepted");
  expect((await a.node.complete(held[3]!)).outcome).toBe("job_final");
  expect((await b.node.complete(backups[1]!)).outcome).toBe("job_final");

  const status = await call(bus, subjects.getJob, { owner: consumer, jobId: job.id });
  expect(status).toMatchObject({ state: "done", chunks: { total: 4, done: 4, running: 0 } });
  const page = await call(bus, subjects.jobResults, { owner: consumer, jobId: job.id, from: 0, limit: 10 });
  expect(page.chunks.flatMap((c) => JSON.parse(c.results))).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  await until(async () => ((await balance(consumer)).held === 0 && (await balance(b.ownerId)).available === 1003) || undefined, 5000, "settled");
  expect(await balance(a.ownerId)).toEqual({ available: 1009, held: 0 });
  expect(await balance(consumer)).toEqual({ available: 988, held: 0 });
  expect((await call(bus, subjects.getJob, { owner: consumer, jobId: job.id })).credits).toEqual({ held: 0, spent: 12 });
  expect(await ledger.totals()).toEqual({ granted: 3000, accounts: 3000, escrow: 0 });
  // The losers' reports came after their job was over: expected, below warn.
  expect(warned).toEqual([]);
});

test("with backup leases off, an idle node gets nothing while the queue is empty", async () => {
  await closeAll();
  start(false);
  const consumer = await signUp(bus, "ada@example.com");
  const a = await volunteer("a@example.com");
  const b = await volunteer("b@example.com");
  await submit(consumer);
  expect(await a.node.lease(4)).toHaveLength(4);
  clock += BACKUP_NO_RESULT_MS;
  expect(await b.node.lease(2, 100)).toEqual([]);
});
