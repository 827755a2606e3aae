import { afterEach, beforeEach, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DirectSettlements, FolderBlobStore, MemoryBus, SqliteChunkStore, SqlitePresenceStore } from "@medusa/adapters";
import { call, subjects, type Bus, type NodePresence } from "@medusa/core";
import { serveScheduler } from "@medusa/scheduler";
import { serveSplitter } from "@medusa/splitter";
import { until } from "@medusa/testing/until";

/**
 * The scheduler's side of shared presence, on the in-process bus with SQLite
 * and a clock the test moves: heartbeats make nodes present, and a node
 * whose gateway goes quiet past the TTL has its chunks put back long before
 * their leases would expire.
 */
let dir: string;
let bus: Bus;
let clock: number;
let logged: string[];
let closeAll: () => Promise<void>;
const TTL = 5_000;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "medusa-presence-"));
  bus = new MemoryBus();
  clock = 1_000_000;
  logged = [];
  const blobs = new FolderBlobStore(join(dir, "blobs"));
  const store = new SqliteChunkStore(":memory:");
  const presence = new SqlitePresenceStore(join(dir, "presence.sqlite"));
  const splitter = serveSplitter(bus, { blobs });
  const scheduler = serveScheduler(bus, { store, blobs, presence, presenceTtlMs: TTL, settlements: new DirectSettlements(), pricePerChunk: 0, now: () => clock, sweepMs: 20, log: (m) => logged.push(m) });
  closeAll = async () => {
    await scheduler.close();
    await splitter.close();
    await bus.drain();
    await store.close();
    await presence.close();
    rmSync(dir, { recursive: true, force: true });
  };
});
afterEach(() => closeAll());

const node = (nodeId: string): NodePresence => ({ nodeId, gateway: "gw-dead", connection: `${nodeId}-c`, since: clock, chunksDone: 0 });

test("a node whose gateway stops heartbeating has its chunks put back once the TTL passes, not at lease expiry", async () => {
  const job = await call(bus, subjects.createJob, { owner: "acc_a", spec: { program: { runtime: "python", source: "def map(x):\n    return x\n" }, input: { items: [1, 2, 3] }, chunkSize: 1, timeoutMs: 60_000 } });
  await until(async () => (await call(bus, subjects.getJob, { owner: "acc_a", jobId: job.id })).sealed || undefined);
  const { gateways } = await call(bus, subjects.presenceHeartbeat, { gateway: "gw-dead", url: "http://gw-dead:8080", nodes: [node("n1")] });
  expect(gateways).toEqual(["http://gw-dead:8080"]);
  const { leases } = await call(bus, subjects.leaseChunks, { nodeId: "n1", owner: "acc_v", max: 2 });
  expect(leases).toHaveLength(2);
  expect(Object.keys((await call(bus, subjects.nodePresence, { nodeIds: ["n1", "n2"] })).presence)).toEqual(["n1"]);

  // Within the TTL nothing happens, however many sweeps run.
  clock += TTL - 1;
  await Bun.sleep(100);
  expect((await call(bus, subjects.getJob, { owner: "acc_a", jobId: job.id })).chunks.running).toBe(2);

  // Past it (and still 2 minutes before the leases would expire) the chunks go back to the queue.
  clock += 2;
  await until(async () => logged.find((l) => l.includes("node n1 went silent with its gateway gw-dead: 2 chunk(s) put back")));
  expect((await call(bus, subjects.getJob, { owner: "acc_a", jobId: job.id })).chunks.running).toBe(0);
  expect((await call(bus, subjects.nodePresence, { nodeIds: ["n1"] })).presence).toEqual({});
  expect((await call(bus, subjects.leaseChunks, { nodeId: "n2", owner: "acc_w", max: 5 })).leases.map((l) => l.index).sort()).toEqual([0, 1, 2]);
});

test("a node that left its socket keeps no presence; one heartbeated elsewhere since keeps it", async () => {
  await call(bus, subjects.presenceHeartbeat, { gateway: "gw-a", nodes: [node("n1"), node("n2")] });
  await call(bus, subjects.presenceHeartbeat, { gateway: "gw-b", nodes: [{ ...node("n2"), gateway: "gw-b", connection: "n2-newer" }] });
  await call(bus, subjects.presenceLeave, { nodeId: "n1", connection: "n1-c" });
  await call(bus, subjects.presenceLeave, { nodeId: "n2", connection: "n2-c" });
  const { presence } = await call(bus, subjects.nodePresence, { nodeIds: ["n1", "n2"] });
  expect(Object.keys(presence)).toEqual(["n2"]);
  expect(presence.n2?.gateway).toBe("gw-b");
});
