import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DirectSettlements, FolderBlobStore, MemoryBus, SqliteAccountStore, SqliteChunkStore, SqliteLedgerStore } from "@medusa/adapters";
import { accountFileKey, call, MedusaError, subjects, type JobSpec } from "@medusa/core";
import { serveCredits, type CreditsService } from "@medusa/credits";
import { serveScheduler } from "@medusa/scheduler";
import { serveSplitter } from "@medusa/splitter";
import { ScriptedNode } from "../test/scripted-node.ts";
import { until } from "@medusa/testing/until";

/**
 * Credits end to end in one process: scheduler, splitter and credits over the
 * in-process bus, SQLite chunk state and ledger, and a node played over the
 * bus. Starter grant 1000; default price 2 per chunk.
 */
let dir: string;
let bus: MemoryBus;
let ledger: SqliteLedgerStore;
let accounts: SqliteAccountStore;
let settlements: DirectSettlements;
let credits: CreditsService;
let closeAll: () => Promise<void>;

const startCredits = () => serveCredits(bus, { store: accounts, ledger, settlements, starterCredits: 1000, loginTtlMs: 60_000, log: () => {} });

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "medusa-credits-e2e-"));
  bus = new MemoryBus();
  const blobs = new FolderBlobStore(join(dir, "blobs"));
  const chunks = new SqliteChunkStore(join(dir, "chunks.sqlite"));
  ledger = new SqliteLedgerStore(join(dir, "ledger.sqlite"));
  accounts = new SqliteAccountStore(join(dir, "accounts.sqlite"));
  settlements = new DirectSettlements();
  credits = startCredits();
  const splitter = serveSplitter(bus, { blobs });
  const scheduler = serveScheduler(bus, { store: chunks, blobs, settlements, pricePerChunk: 2, sweepMs: 50 });
  closeAll = async () => {
    await scheduler.close();
    await splitter.close();
    await credits.close();
    await bus.drain();
    for (const c of [chunks, ledger, accounts]) await c.close();
    rmSync(dir, { recursive: true, force: true });
  };
});
afterEach(() => closeAll());

const py = { runtime: "python" as const, source: "def map(x):\n    return x + 1\n" };
const signUp = async (email: string) => (await call(bus, subjects.createAccount, { email, password: "correct horse" })).id;
const balance = async (accountId: string) => (await call(bus, subjects.getAccount, { accountId })).credits;
const submit = (owner: string, spec: Partial<JobSpec>) =>
  call(bus, subjects.createJob, { owner, spec: { name: "job", program: py, input: { range: { start: 0, stop: 10, step: 1 } }, chunkSize: 2, replicas: 1, timeoutMs: 60_000, maxAttempts: 3, ...spec } });
async function volunteer(email: string) {
  const ownerId = await signUp(email);
  const { nodeId } = await call(bus, subjects.registerNode, { ownerId, name: "box" });
  return { ownerId, node: new ScriptedNode(bus, nodeId) };
}
async function refusal(work: Promise<unknown>): Promise<MedusaError> {
  const err = await work.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(MedusaError);
  return err as MedusaError;
}

describe("credits end to end", () => {
  test("submission holds the worst case; each accepted result pays the node's owner; the end refunds the rest", async () => {
    const consumer = await signUp("ada@example.com");
    const { ownerId: vol, node } = await volunteer("vol@example.com");
    const job = await submit(consumer, { pricePerChunk: 3 });
    expect(await balance(consumer)).toEqual({ available: 985, held: 15 });

    const leases = await node.lease(2);
    expect(leases).toHaveLength(2);
    expect((await node.complete(leases[0]!, "lease_forged")).outcome).toBe("stale");
    for (const l of leases) expect((await node.complete(l)).outcome).toBe("accepted");
    expect((await call(bus, subjects.getJob, { owner: consumer, jobId: job.id })).credits).toEqual({ held: 9, spent: 6 });
    await call(bus, subjects.cancelJob, { owner: consumer, jobId: job.id });

    await until(async () => (await balance(consumer)).held === 0, 5000, "refund");
    expect(await balance(consumer)).toEqual({ available: 994, held: 0 });
    expect(await balance(vol)).toEqual({ available: 1006, held: 0 });
    expect((await call(bus, subjects.getJob, { owner: consumer, jobId: job.id })).credits).toEqual({ held: 0, spent: 6 });
    const { nodes } = await call(bus, subjects.listNodes, { ownerId: vol });
    expect(nodes[0]).toMatchObject({ nodeId: node.nodeId, chunksDone: 2, creditsEarned: 6 });
    const page = await call(bus, subjects.ledgerPage, { accountId: consumer, limit: 10 });
    expect(page.entries.map((e) => [e.reason, e.amount])).toEqual([["refund", 9], ["payout", 3], ["payout", 3], ["hold", 15], ["grant", 1000]]);
    expect(await ledger.totals()).toEqual({ granted: 2000, accounts: 2000, escrow: 0 });
  });

  test("a finished job pays exactly its chunks and refunds nothing it spent", async () => {
    const consumer = await signUp("ada@example.com");
    const { ownerId: vol, node } = await volunteer("vol@example.com");
    const job = await submit(consumer, { input: { range: { start: 0, stop: 9, step: 1 } }, maxCredits: 100 });
    expect(await node.work(5)).toBe(5);
    await until(async () => (await call(bus, subjects.getJob, { owner: consumer, jobId: job.id })).state === "done", 5000, "job done");
    await until(async () => (await balance(vol)).available === 1010, 5000, "payouts");
    expect(await balance(consumer)).toEqual({ available: 990, held: 0 });
  });

  test("a maxCredits below the worst case is refused with its cost, and nothing moves", async () => {
    const consumer = await signUp("ada@example.com");
    const err = await refusal(submit(consumer, { maxCredits: 9 }));
    expect(err.code).toBe("payment_required");
    expect(err.message).toBe("this job can cost up to 10 credits (5 chunks × 1 replicas × 2 per chunk), more than maxCredits 9");
    expect(await balance(consumer)).toEqual({ available: 1000, held: 0 });
    expect((await call(bus, subjects.listJobs, { owner: consumer, limit: 10 })).jobs).toEqual([]);
    expect((await call(bus, subjects.ledgerPage, { accountId: consumer, limit: 10 })).entries.map((e) => e.reason)).toEqual(["grant"]);
  });

  test("an owner who cannot pay the worst case is refused, and nothing moves", async () => {
    const consumer = await signUp("ada@example.com");
    const err = await refusal(submit(consumer, { input: { range: { start: 0, stop: 1002, step: 1 } } }));
    expect(err.code).toBe("payment_required");
    expect(err.message).toBe("this job needs 1002 credits held in escrow, but only 1000 are available");
    expect(await balance(consumer)).toEqual({ available: 1000, held: 0 });
    expect((await call(bus, subjects.listJobs, { owner: consumer, limit: 10 })).jobs).toEqual([]);
  });

  test("a file longer than its budget fails before any extra chunk runs, and is refunded in full", async () => {
    const consumer = await signUp("ada@example.com");
    const blobs = new FolderBlobStore(join(dir, "blobs"));
    await blobs.put(accountFileKey(consumer, "in.txt"), Array.from({ length: 20 }, (_, i) => `${i}`).join("\n"));
    const job = await submit(consumer, { input: { file: "in.txt", format: "lines" }, maxCredits: 12, pricePerChunk: 2 });
    const failed = await until(async () => {
      const s = await call(bus, subjects.getJob, { owner: consumer, jobId: job.id });
      return s.state === "failed" ? s : undefined;
    });
    expect(failed.error).toBe("the input has more than 6 chunks, more than the 12 credits held pay for at 2 per chunk; raise maxCredits");
    await until(async () => (await balance(consumer)).available === 1000, 5000, "refund");
  });

  test("while the credits service is down, payouts wait in the outbox and settle exactly once it is back", async () => {
    const consumer = await signUp("ada@example.com");
    const { ownerId: vol, node } = await volunteer("vol@example.com");
    const job = await submit(consumer, { input: { range: { start: 0, stop: 20, step: 1 } } });
    expect(await node.work(3)).toBe(3);
    await until(async () => (await balance(vol)).available === 1006, 5000, "first payouts");
    await credits.close();
    expect(await node.work(7)).toBe(7);
    credits = startCredits();
    await until(async () => (await balance(vol)).available === 1020, 5000, "payouts after restart");
    await until(async () => (await call(bus, subjects.getJob, { owner: consumer, jobId: job.id })).state === "done", 5000, "job done");
    await until(async () => (await balance(consumer)).held === 0, 5000, "settled");
    expect(await balance(consumer)).toEqual({ available: 980, held: 0 });
    expect(await ledger.totals()).toEqual({ granted: 2000, accounts: 2000, escrow: 0 });
  });
});
