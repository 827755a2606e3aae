import { afterEach, beforeEach, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DirectSettlements, FolderBlobStore, MemoryBus, SqliteChunkStore } from "@medusa/adapters";
import { call, MedusaError, newId, subjects } from "@medusa/core";
import { serveScheduler } from "./scheduler-service.ts";

/** The scheduler over the in-process bus and SQLite: a job the gateway names, and what reading its results costs the store. */
let dir: string;
let bus: MemoryBus;
let store: SqliteChunkStore;
let close: () => Promise<void>;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "medusa-results-"));
  bus = new MemoryBus();
  store = new SqliteChunkStore(":memory:");
  const scheduler = serveScheduler(bus, { store, blobs: new FolderBlobStore(join(dir, "blobs")), settlements: new DirectSettlements(), pricePerChunk: 0, sweepMs: 60_000, log: () => {} });
  close = async () => {
    await scheduler.close();
    await bus.drain();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  };
});
afterEach(() => close());

const spec = { program: { runtime: "python" as const, source: "def map(x):\n    return x + 1\n" }, input: { items: [41] }, chunkSize: 1 };

test("a job created under the gateway's id keeps it; the same id again is a conflict", async () => {
  const jobId = newId("job");
  const job = await call(bus, subjects.createJob, { owner: "acc_a", spec, jobId });
  expect(job.id).toBe(jobId);
  const again = await call(bus, subjects.createJob, { owner: "acc_a", spec, jobId }).catch((e: unknown) => e);
  expect((again as MedusaError).code).toBe("conflict");
  expect((await call(bus, subjects.getJob, { owner: "acc_a", jobId })).state).toBe("queued");
  const bad = await call(bus, subjects.createJob, { owner: "acc_a", spec, jobId: "job_../../x" }).catch((e: unknown) => e);
  expect((bad as MedusaError).code).toBe("invalid_field");
});

test("a one-chunk job's results page, with its status, is one read of stored results", async () => {
  const job = await call(bus, subjects.createJob, { owner: "acc_a", spec });
  const { leases } = await call(bus, subjects.leaseChunks, { nodeId: "node_1", owner: "acc_b", max: 1 });
  await call(bus, subjects.completeChunk, { jobId: job.id, index: 0, nodeId: "node_1", token: leases[0]!.token, results: "[42]" });
  const readResults = store.readResults.bind(store);
  let reads = 0;
  store.readResults = (...args) => ((reads += 1), readResults(...args));
  const page = await call(bus, subjects.jobResults, { owner: "acc_a", jobId: job.id, from: 0, limit: 500 });
  expect(page).toMatchObject({ state: "done", total: 1, chunks: [{ index: 0, results: "[42]" }], status: { id: job.id, state: "done", chunks: { total: 1, done: 1 } } });
  expect(reads).toBe(1);
});
