import { afterEach, beforeEach, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DirectSettlements, FolderBlobStore, MemoryBus, SqliteChunkStore } from "@medusa/adapters";
import { call, events, listen, subjects } from "@medusa/core";
import { until } from "@medusa/testing/until";
import { ANNOUNCED_PROGRAM_CHARS } from "./inline-split.ts";
import { serveScheduler } from "./scheduler-service.ts";

/** A new job's chunks are announced with its program, as jobProgram answers it, so the gateway that leases the first one need not ask for it. */
let dir: string;
let bus: MemoryBus;
let store: SqliteChunkStore;
let close: () => Promise<void>;
const announced: Array<{ chunks: number; programs?: unknown[] }> = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "medusa-announce-"));
  bus = new MemoryBus();
  store = new SqliteChunkStore(":memory:");
  announced.length = 0;
  const listener = listen(bus, events.workAvailable, (e) => void announced.push(e));
  const scheduler = serveScheduler(bus, { store, blobs: new FolderBlobStore(join(dir, "blobs")), settlements: new DirectSettlements(), pricePerChunk: 0, sweepMs: 60_000, log: () => {} });
  close = async () => {
    listener.subscription.unsubscribe();
    await scheduler.close();
    await bus.drain();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  };
});
afterEach(() => close());

const python = (source: string) => ({ runtime: "python" as const, source });

test("a small inline job's chunks come with its program, exactly as jobProgram answers it", async () => {
  const job = await call(bus, subjects.createJob, { owner: "acc_a", spec: { program: python("def map(x):\n    return x + 1\n"), input: { items: [41, 42] }, chunkSize: 1 } });
  await until(() => announced.length > 0);
  const asked = await call(bus, subjects.jobProgram, { jobId: job.id });
  expect(announced[0]).toEqual({ chunks: 2, programs: [{ jobId: job.id, ...asked }] });
});

test("a program too big to tell every gateway is left to be asked for", async () => {
  const source = `def map(x):\n    return x\n# ${"x".repeat(ANNOUNCED_PROGRAM_CHARS)}\n`;
  await call(bus, subjects.createJob, { owner: "acc_a", spec: { program: python(source), input: { items: [1] }, chunkSize: 1 } });
  await until(() => announced.length > 0);
  expect(announced).toEqual([{ chunks: 1 }]);
});
