import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DirectSettlements, FolderBlobStore, MemoryBus, SqliteChunkStore } from "@medusa/adapters";
import { call, MedusaError, subjects, type Bus, type ChunkLease, type JobSpec } from "@medusa/core";
import { serveSplitter } from "@medusa/splitter";
import { leaseOptions, policyFromEnv, replicaEnv, type ReplicaPolicy } from "@medusa/scheduler/replica-policy";
import { serveScheduler } from "@medusa/scheduler";
import { z } from "zod";

/** Replicas through the scheduler: the owner rule, canonical comparison, and what gets logged. */
let closeAll: () => Promise<void> = async () => {};
afterEach(() => closeAll());

function start(policy: Partial<ReplicaPolicy> = {}) {
  const dir = mkdtempSync(join(tmpdir(), "medusa-replicas-"));
  const bus = new MemoryBus();
  const blobs = new FolderBlobStore(join(dir, "blobs"));
  const store = new SqliteChunkStore(":memory:");
  const logged: string[] = [];
  const splitter = serveSplitter(bus, { blobs });
  const scheduler = serveScheduler(bus, { store, blobs, settlements: new DirectSettlements(), pricePerChunk: 0, replicaPolicy: policy, log: (m) => logged.push(m) });
  closeAll = async () => {
    await scheduler.close();
    await splitter.close();
    await bus.drain();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  };
  return { bus, logged };
}

const spec = (over: Partial<JobSpec>) => ({ program: { runtime: "python" as const, source: "def map(x):\n    return x\n" }, input: { items: [1] }, chunkSize: 1, ...over });

async function submitted(bus: Bus, over: Partial<JobSpec>) {
  const job = await call(bus, subjects.createJob, { owner: "acc_c", spec: spec(over) });
  for (let i = 0; i < 200 && !(await call(bus, subjects.getJob, { owner: "acc_c", jobId: job.id })).sealed; i++) await Bun.sleep(5);
  return job;
}

const lease = async (bus: Bus, nodeId: string, owner: string): Promise<ChunkLease | undefined> =>
  (await call(bus, subjects.leaseChunks, { nodeId, owner, max: 1 })).leases[0];
const complete = (bus: Bus, nodeId: string, l: ChunkLease, results: string) =>
  call(bus, subjects.completeChunk, { nodeId, jobId: l.jobId, index: l.index, token: l.token, results });

describe("replicas through the scheduler", () => {
  test("two nodes of one owner never share a chunk, unless the deployment is a private pool", async () => {
    const pub = start();
    await submitted(pub.bus, { replicas: 2 });
    expect(await lease(pub.bus, "n1", "acc_v")).toBeDefined();
    expect(await lease(pub.bus, "n2", "acc_v")).toBeUndefined();
    expect(await lease(pub.bus, "n3", "acc_w")).toBeDefined();
    await closeAll();

    const pool = start({ sameOwnerReplicas: true });
    await submitted(pool.bus, { replicas: 2 });
    expect(await lease(pool.bus, "n1", "acc_v")).toBeDefined();
    expect(await lease(pool.bus, "n2", "acc_v")).toBeDefined();
  });

  test("results agree by their canonical JSON: key order and spacing do not matter, values do", async () => {
    const { bus, logged } = start();
    const job = await submitted(bus, { replicas: 2, input: { items: [1, 2] } });
    const [a, b, c] = [await lease(bus, "n1", "acc_1"), await lease(bus, "n2", "acc_2"), await lease(bus, "n3", "acc_3")];
    expect([a?.index, b?.index, c?.index]).toEqual([0, 0, 1]);
    expect(await complete(bus, "n1", a!, '[{"b": 1, "a": [2.0]}]')).toEqual({ outcome: "pending" });
    expect(await complete(bus, "n2", b!, '[{"a":[2],"b":1}]')).toEqual({ outcome: "accepted" });
    const d = (await lease(bus, "n4", "acc_4"))!;
    expect(await complete(bus, "n3", c!, "[3]")).toEqual({ outcome: "pending" });
    expect(await complete(bus, "n4", d, "[4]")).toEqual({ outcome: "pending" });
    const tie = (await lease(bus, "n5", "acc_5"))!;
    expect(await complete(bus, "n5", tie, "[3]")).toEqual({ outcome: "accepted" });
    expect(logged).toContain(`node n4 returned a result for ${job.id}#1 that disagreed with the accepted one: its standing is reset and it is not paid`);
    const { chunks } = await call(bus, subjects.jobResults, { owner: "acc_c", jobId: job.id, from: 0, limit: 10 });
    expect(chunks).toEqual([{ index: 0, results: '[{"a":[2],"b":1}]' }, { index: 1, results: "[3]" }]);
    const { reputations } = await call(bus, subjects.nodeReputations, { nodeIds: ["n4", "n5"] });
    expect(reputations).toMatchObject({ n4: { agreed: 0, disagreed: 1, streak: 0 }, n5: { agreed: 1, disagreed: 0, streak: 1 } });
  });

  test('replicas "auto": the policy decides when a node is trusted to run a chunk alone', async () => {
    const { bus } = start({ trustAfter: 1, spotCheckRate: 0 });
    await submitted(bus, { replicas: 2 });
    const [a, b] = [(await lease(bus, "n1", "acc_1"))!, (await lease(bus, "n2", "acc_2"))!];
    await complete(bus, "n1", a, "[1]");
    expect(await complete(bus, "n2", b, "[1]")).toEqual({ outcome: "accepted" });
    const job = await submitted(bus, { replicas: "auto", input: { items: [1, 2] } });
    const alone = (await lease(bus, "n1", "acc_1"))!;
    const fresh = (await lease(bus, "n3", "acc_3"))!;
    expect([alone.index, fresh.index]).toEqual([0, 1]);
    expect(await complete(bus, "n1", alone, "[1]")).toEqual({ outcome: "accepted" });
    expect(await complete(bus, "n3", fresh, "[2]")).toEqual({ outcome: "pending" });
    expect((await call(bus, subjects.getJob, { owner: "acc_c", jobId: job.id })).chunks).toMatchObject({ done: 1 });
  });

  test("a result from a node without the lease is rejected and logged; a result that is not JSON is a field error", async () => {
    const { bus, logged } = start();
    const job = await submitted(bus, {});
    const l = (await lease(bus, "n1", "acc_1"))!;
    expect(await complete(bus, "n2", l, "[1]")).toEqual({ outcome: "stale" });
    expect(logged).toEqual([`result for ${job.id}#0 from node n2 rejected: stale (the node holds no current lease on it)`]);
    const err = await complete(bus, "n1", l, "[1,").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MedusaError);
    expect(err).toMatchObject({ code: "invalid_field", message: "results: not valid JSON text" });
    expect(await complete(bus, "n1", l, "[1]")).toEqual({ outcome: "accepted" });
  });
});

test("the replica policy from the environment; a private pool votes by node", () => {
  const read = (env: Record<string, string>, sameOwner = false) => z.object(replicaEnv(sameOwner)).parse(env);
  expect(read({})).toEqual({ MEDUSA_SAME_OWNER_REPLICAS: false, MEDUSA_DISTINCT_ORIGINS: undefined, MEDUSA_TRUST_AFTER: 10, MEDUSA_SPOT_CHECK_RATE: 0.1, MEDUSA_NODE_START_WINDOW: 8, MEDUSA_BACKUP_LEASES: true });
  expect(policyFromEnv(read({ MEDUSA_BACKUP_LEASES: "0" })).backupLeases).toBe(false);
  expect(read({}, true).MEDUSA_SAME_OWNER_REPLICAS).toBe(true);
  // Distinct networks follow distinct owners unless set.
  expect([policyFromEnv(read({})).distinctOrigins, policyFromEnv(read({}, true)).distinctOrigins]).toEqual([true, false]);
  expect(policyFromEnv(read({ MEDUSA_DISTINCT_ORIGINS: "1" }, true)).distinctOrigins).toBe(true);
  expect(read({ MEDUSA_SAME_OWNER_REPLICAS: "1", MEDUSA_TRUST_AFTER: "3", MEDUSA_SPOT_CHECK_RATE: "0.5", MEDUSA_NODE_START_WINDOW: "2" })).toEqual({
    MEDUSA_SAME_OWNER_REPLICAS: true,
    MEDUSA_DISTINCT_ORIGINS: undefined,
    MEDUSA_TRUST_AFTER: 3,
    MEDUSA_SPOT_CHECK_RATE: 0.5,
    MEDUSA_NODE_START_WINDOW: 2,
    MEDUSA_BACKUP_LEASES: true,
  });
  expect(read({ MEDUSA_SAME_OWNER_REPLICAS: "0" }, true).MEDUSA_SAME_OWNER_REPLICAS).toBe(false);
  const bads: Array<Record<string, string>> = [{ MEDUSA_SAME_OWNER_REPLICAS: "yes" }, { MEDUSA_SPOT_CHECK_RATE: "2" }, { MEDUSA_TRUST_AFTER: "0" }, { MEDUSA_NODE_START_WINDOW: "0" }];
  for (const bad of bads) expect(() => read(bad)).toThrow();
  const policy = { sameOwnerReplicas: false, distinctOrigins: true, trustAfter: 3, spotCheckRate: 0.5, startWindow: 4 };
  expect(leaseOptions(policy, "n1", "acc_v", "10.1.2.0/24")).toEqual({ owner: "acc_v", origin: "10.1.2.0/24", trustAfter: 3, spotCheckRate: 0.5, startWindow: 4, backups: true });
  expect(leaseOptions({ ...policy, distinctOrigins: false }, "n1", "acc_v", "10.1.2.0/24").origin).toBeUndefined();
  expect(leaseOptions({ ...policy, sameOwnerReplicas: true }, "n1", "acc_v").owner).toBe("n1");
  expect(leaseOptions({ ...policy, backupLeases: false }, "n1", "acc_v").backups).toBe(false);
});
