import { until } from "@medusa/testing/until";
import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FolderBlobStore, MemoryBus, SqliteChunkStore } from "@medusa/adapters";
import { call, serve, subjects, type JobSpec, type Settlement, type SettlementQueue } from "@medusa/core";
import { serveScheduler } from "@medusa/scheduler";
import { serveSplitter } from "@medusa/splitter";
import { ScriptedNode } from "../test/scripted-node.ts";

/**
 * A split outlives its splitter: one that dies mid-split (played here over
 * the bus: it claims, adds some chunks, and goes silent) is taken over by a
 * real splitter once its lease runs out, with no chunk added twice; a split
 * whose splitters keep dying fails its job with the reason, and refunds it.
 */
let closeAll: () => Promise<void> = async () => {};
afterEach(() => closeAll());

function start() {
  const dir = mkdtempSync(join(tmpdir(), "medusa-split-"));
  const bus = new MemoryBus();
  const blobs = new FolderBlobStore(join(dir, "blobs"));
  const store = new SqliteChunkStore(":memory:");
  const settled: Settlement[] = [];
  const settlements: SettlementQueue = {
    publish: async (batch) => void settled.push(...batch),
    consume: () => ({ stop: async () => {} }),
    close: async () => {},
  };
  // The credits service's part: holding the escrow.
  const holds = serve(bus, subjects.holdCredits, () => ({ ok: true as const }));
  const scheduler = serveScheduler(bus, { store, blobs, settlements, pricePerChunk: 1, splitLeaseMs: 1000, sweepMs: 50, log: () => {} });
  const splitters: Array<{ close(): Promise<void> }> = [];
  closeAll = async () => {
    for (const s of splitters) await s.close();
    await scheduler.close();
    holds.subscription.unsubscribe();
    await bus.drain();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  };
  /** A splitter that claims the split, adds `chunks` of one item each, then dies (never renews, never seals). */
  const dyingSplitter = (chunks: number) => {
    let claims = 0;
    const served = serve(bus, subjects.splitJob, ({ jobId }) => {
      claims++;
      void (async () => {
        const { claim } = await call(bus, subjects.claimSplit, { jobId, splitter: `doomed_${claims}` });
        if (!claim) return;
        const batch = Array.from({ length: chunks }, (_, i) => ({ offset: claim.chunks + i, count: 1, input: { kind: "range" as const, start: claim.chunks + i, stop: claim.chunks + i + 1, step: 1 } }));
        if (chunks > 0) await call(bus, subjects.addChunks, { jobId, token: claim.token, at: claim.chunks, chunks: batch });
      })();
      return { ok: true as const };
    });
    return { claims: () => claims, stop: () => served.subscription.unsubscribe() };
  };
  const realSplitter = () => splitters.push(serveSplitter(bus, { blobs, log: () => {} }));
  return { bus, store, settled, dyingSplitter, realSplitter };
}

const spec = (over: Partial<JobSpec> = {}) => ({ program: { runtime: "python" as const, source: "def map(x):\n    return x + 1\n" }, input: { range: { start: 0, stop: 40 } }, chunkSize: 1, ...over });

describe("a split as a durable task", () => {
  test("a splitter that dies mid-split is replaced once its lease runs out: every chunk once, in order", async () => {
    const t = start();
    const doomed = t.dyingSplitter(7);
    const job = await call(t.bus, subjects.createJob, { owner: "acc_c", spec: spec() });
    await until(async () => (await t.store.getJob(job.id))!.chunks.total === 7, 5000, "the doomed splitter's chunks");
    doomed.stop();
    t.realSplitter();

    await until(async () => (await t.store.getJob(job.id))!.sealed, 15_000, "another splitter to finish the split");
    const record = (await t.store.getJob(job.id))!;
    expect(record.items).toBe(40);
    expect(record.chunks.total).toBe(40);
    await new ScriptedNode(t.bus, "node_1").work(40);
    const page = await call(t.bus, subjects.jobResults, { owner: "acc_c", jobId: job.id, from: 0, limit: 100 });
    expect(page.state).toBe("done");
    expect(page.chunks.map((c) => c.index)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(page.chunks.flatMap((c) => JSON.parse(c.results))).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
  }, 30_000);

  test("a split whose splitters die maxAttempts times fails its job with the reason, and refunds the escrow", async () => {
    const t = start();
    const doomed = t.dyingSplitter(2);
    const job = await call(t.bus, subjects.createJob, { owner: "acc_c", spec: spec({ maxAttempts: 2 }) });
    await until(async () => (await t.store.getJob(job.id))!.state === "failed", 15_000, "the job to fail");
    const record = (await t.store.getJob(job.id))!;
    expect(record.error).toBe("splitting the input failed 2 times: its splitter stopped answering");
    expect(doomed.claims()).toBe(2);
    // Each attempt went on where the last stopped: 2 + 2 chunks, none twice.
    expect(record.chunks.total).toBe(4);
    await until(async () => t.settled.some((s) => s.kind === "refund"), 5000, "the refund");
    expect(t.settled).toEqual([{ v: 1, kind: "refund", key: `refund:${job.id}`, jobId: job.id, owner: "acc_c", amount: 40 }]);
  }, 30_000);
});
