import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { leaseMsFor, MedusaError } from "@medusa/core";
import type { ChunkLease, ChunkStore, JobRecord, LeaseHolder, NewChunk } from "@medusa/core";

/**
 * The behaviour every ChunkStore adapter must share (Redis, SQLite). `make`
 * must return a store with nothing in it: a fresh prefix or database.
 */
export interface ContractStoreOptions {
  maxEvents?: number;
}

const T0 = 1_700_000_000_000;
let jobSeq = 0;

export function jobRecord(over: Partial<JobRecord> = {}): JobRecord {
  jobSeq += 1;
  return {
    id: `job_${jobSeq}${Math.random().toString(36).slice(2, 8)}`,
    owner: "acct_1",
    name: "test",
    program: { runtime: "python", source: "def map(x):\n    return x" },
    hasReduce: false,
    state: "queued",
    chunks: { total: 0, done: 0, running: 0, failed: 0 },
    sealed: false,
    items: 0,
    timeoutMs: 1_000,
    maxAttempts: 3,
    replicas: 1,
    createdAt: T0,
    ...over,
  };
}

/** A chunk of `count` items starting at item `offset` (the items are their own indexes). */
export const itemsChunk = (offset: number, count: number): NewChunk => ({
  offset,
  count,
  input: { kind: "items", items: Array.from({ length: count }, (_, i) => offset + i) },
});

/** `n` chunks of `size` items each. */
const chunksOf = (n: number, size = 10) => Array.from({ length: n }, (_, i) => itemsChunk(i * size, size));
const holderOf = (l: ChunkLease, nodeId: string): LeaseHolder => ({ jobId: l.jobId, index: l.index, token: l.token, nodeId });
const refs = (leases: ChunkLease[]) => leases.map((l) => `${l.jobId}:${l.index}`);

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (err instanceof MedusaError) return err.code;
    throw err;
  }
  throw new Error("expected a MedusaError, got success");
}

export function chunkStoreContract(name: string, make: (options?: ContractStoreOptions) => Promise<ChunkStore>): void {
  describe(`${name} chunk store contract`, () => {
    let store: ChunkStore;
    beforeEach(async () => {
      store = await make();
    });
    afterEach(async () => {
      await store.close();
    });

    /** Creates a job, adds `n` chunks of 10 items, and optionally seals it. */
    async function newJob(over: Partial<JobRecord> = {}, n = 0, seal = false): Promise<JobRecord> {
      const job = jobRecord(over);
      await store.createJob(job, T0);
      if (n > 0) await store.addChunks(job.id, chunksOf(n), T0);
      if (seal) await store.sealJob(job.id, n * 10, T0);
      return job;
    }
    const job = async (id: string) => (await store.getJob(id))!;

    describe("createJob, getJob, listJobs", () => {
      test("stores a queued, empty, unsealed job and appends progress #1", async () => {
        const j = jobRecord({ state: "running", sealed: true, chunks: { total: 9, done: 9, running: 0, failed: 0 } });
        const { events } = await store.createJob(j, T0);
        const chunks = { total: 0, done: 0, running: 0, failed: 0 };
        expect(events).toEqual([{ jobId: j.id, event: { id: 1, type: "progress", state: "queued", chunks, sealed: false } }]);
        expect(await store.getJob(j.id)).toEqual({ ...j, state: "queued", sealed: false, chunks });
      });

      test("a second job with the same id is a conflict; a missing job reads as null", async () => {
        const j = await newJob();
        expect(await codeOf(store.createJob(j, T0))).toBe("conflict");
        expect(await store.getJob("job_missing")).toBeNull();
      });

      test("listJobs gives the owner's jobs, newest first, up to the limit", async () => {
        const a = await newJob({ owner: "acct_L", createdAt: T0 + 1 });
        const b = await newJob({ owner: "acct_L", createdAt: T0 + 3 });
        const c = await newJob({ owner: "acct_L", createdAt: T0 + 2 });
        await newJob({ owner: "acct_other", createdAt: T0 + 4 });
        expect((await store.listJobs("acct_L", 10)).map((j) => j.id)).toEqual([b.id, c.id, a.id]);
        expect((await store.listJobs("acct_L", 2)).map((j) => j.id)).toEqual([b.id, c.id]);
        expect(await store.listJobs("acct_nobody", 10)).toEqual([]);
      });
    });

    describe("addChunks", () => {
      test("numbers chunks on from chunks.total and appends one progress event per call", async () => {
        const j = await newJob();
        const first = await store.addChunks(j.id, [itemsChunk(0, 2), itemsChunk(2, 2)], T0);
        expect(first.accepted).toBe(true);
        expect(first.events.map((e) => e.event)).toEqual([
          { id: 2, type: "progress", state: "queued", chunks: { total: 2, done: 0, running: 0, failed: 0 }, sealed: false },
        ]);
        await store.addChunks(j.id, [{ offset: 4, count: 1, input: { kind: "range", start: 4, stop: 5, step: 1 } }], T0);
        expect((await job(j.id)).chunks.total).toBe(3);
        const { leases } = await store.leaseChunks("n1", 10, T0);
        expect(leases.map((l) => [l.index, l.offset, l.task, l.attempt])).toEqual([[0, 0, "map", 1], [1, 2, "map", 1], [2, 4, "map", 1]]);
        expect(leases[1]!.input).toEqual({ kind: "items", items: [2, 3] });
        expect(leases[2]!.input).toEqual({ kind: "range", start: 4, stop: 5, step: 1 });
      });

      test("keeps item values exactly (floats, strings, nested)", async () => {
        const j = await newJob();
        const items = [0.1 + 0.2, 1e-300, 12345678901234567890, "a\"b\\c/é", { x: [null, true] }];
        await store.addChunks(j.id, [{ offset: 0, count: items.length, input: { kind: "items", items } }], T0);
        const { leases } = await store.leaseChunks("n1", 1, T0);
        expect(leases[0]!.input).toEqual({ kind: "items", items });
      });

      test("a missing job is not_found; a sealed job is a conflict", async () => {
        expect(await codeOf(store.addChunks("job_missing", chunksOf(1), T0))).toBe("not_found");
        const j = await newJob({}, 1, true);
        expect(await codeOf(store.addChunks(j.id, chunksOf(1), T0))).toBe("conflict");
      });

      test("after cancel returns accepted false and adds nothing", async () => {
        const j = await newJob({}, 1);
        await store.cancelJob(j.id, T0);
        expect(await store.addChunks(j.id, chunksOf(2), T0)).toEqual({ accepted: false, events: [] });
        expect((await job(j.id)).chunks.total).toBe(1);
      });
    });

    describe("sealJob", () => {
      test("an empty job without reduce is done at once", async () => {
        const j = await newJob();
        const { events } = await store.sealJob(j.id, 0, T0 + 5);
        expect(events.map((e) => e.event.type)).toEqual(["progress", "done"]);
        expect(events[0]!.event).toMatchObject({ sealed: true });
        const after = await job(j.id);
        expect(after).toMatchObject({ state: "done", sealed: true, items: 0, finishedAt: T0 + 5 });
      });

      test("an empty job with reduce queues its reduce chunk (index 0) at once", async () => {
        const j = await newJob({ hasReduce: true });
        const { events } = await store.sealJob(j.id, 0, T0);
        expect(events.map((e) => e.event.type)).toEqual(["progress"]);
        expect((await job(j.id)).chunks.total).toBe(1);
        const { leases } = await store.leaseChunks("n1", 5, T0);
        expect(leases.map((l) => [l.index, l.task, l.offset])).toEqual([[0, "reduce", 0]]);
        expect(leases[0]!.input).toEqual({ kind: "results" });
        const done = await store.completeChunk(holderOf(leases[0]!, "n1"), "42", T0 + 1);
        expect(done.events.map((e) => e.event.type)).toEqual(["chunk", "done"]);
        expect(await store.readReduceResult(j.id)).toBe("42");
        expect(await store.readResults(j.id, 0, 10)).toEqual([]);
      });

      test("sealing twice, or a final job, changes nothing; a missing job is not_found", async () => {
        const j = await newJob({}, 1);
        await store.sealJob(j.id, 10, T0);
        expect((await store.sealJob(j.id, 99, T0)).events).toEqual([]);
        expect((await job(j.id)).items).toBe(10);
        const k = await newJob({ hasReduce: true }, 1);
        await store.cancelJob(k.id, T0);
        expect((await store.sealJob(k.id, 10, T0)).events).toEqual([]);
        expect(await job(k.id)).toMatchObject({ sealed: false, state: "cancelled", chunks: { total: 1 } });
        expect(await codeOf(store.sealJob("job_missing", 0, T0))).toBe("not_found");
      });
    });

    describe("leaseChunks", () => {
      test("leases FIFO across jobs, in the order chunks were added", async () => {
        const a = await newJob({}, 2);
        const b = await newJob({}, 2);
        await store.addChunks(a.id, [itemsChunk(20, 10)], T0);
        const first = await store.leaseChunks("n1", 3, T0);
        const second = await store.leaseChunks("n2", 3, T0);
        expect(refs(first.leases)).toEqual([`${a.id}:0`, `${a.id}:1`, `${b.id}:0`]);
        expect(refs(second.leases)).toEqual([`${b.id}:1`, `${a.id}:2`]);
      });

      test("respects max, sets the lease, and moves a job to running once", async () => {
        const j = await newJob({ timeoutMs: 3_000 }, 3);
        expect((await store.leaseChunks("n1", 0, T0)).leases).toEqual([]);
        const first = await store.leaseChunks("n1", 2, T0 + 7);
        expect(first.leases).toHaveLength(2);
        expect(first.leases[0]).toMatchObject({ jobId: j.id, index: 0, attempt: 1, expiresAt: T0 + 7 + leaseMsFor(3_000) });
        expect(first.leases[0]!.token).not.toBe(first.leases[1]!.token);
        expect(first.events.map((e) => e.event)).toEqual([
          { id: 3, type: "progress", state: "running", chunks: { total: 3, done: 0, running: 1, failed: 0 }, sealed: false },
        ]);
        const second = await store.leaseChunks("n2", 5, T0);
        expect(second.leases.map((l) => l.index)).toEqual([2]);
        expect(second.events).toEqual([]);
        expect((await job(j.id)).chunks).toEqual({ total: 3, done: 0, running: 3, failed: 0 });
        expect((await store.leaseChunks("n3", 5, T0)).leases).toEqual([]);
      });
    });

    describe("completeChunk", () => {
      test("stores results, counts the chunk, and finishes a sealed job with its last chunk", async () => {
        const j = await newJob({}, 2, true);
        const { leases } = await store.leaseChunks("n1", 2, T0);
        const one = await store.completeChunk(holderOf(leases[1]!, "n1"), "[1]", T0 + 1);
        expect(one.outcome).toBe("accepted");
        expect(one.events.map((e) => e.event)).toEqual([
          { id: 5, type: "chunk", index: 1, task: "map", nodeId: "n1", chunks: { total: 2, done: 1, running: 1, failed: 0 } },
        ]);
        const two = await store.completeChunk(holderOf(leases[0]!, "n1"), "[0]", T0 + 2);
        expect(two.events.map((e) => e.event.type)).toEqual(["chunk", "done"]);
        expect(two.events[1]!.event).toEqual({ id: 7, type: "done", chunks: { total: 2, done: 2, running: 0, failed: 0 } });
        expect(await job(j.id)).toMatchObject({ state: "done", finishedAt: T0 + 2 });
        expect(await store.readResults(j.id, 0, 10)).toEqual([{ index: 0, results: "[0]" }, { index: 1, results: "[1]" }]);
      });

      test("an unsealed job stays running with every chunk done, and is done when sealed", async () => {
        const j = await newJob({}, 1);
        const { leases } = await store.leaseChunks("n1", 1, T0);
        await store.completeChunk(holderOf(leases[0]!, "n1"), "[]", T0);
        expect((await job(j.id)).state).toBe("running");
        const sealed = await store.sealJob(j.id, 10, T0 + 3);
        expect(sealed.events.map((e) => e.event.type)).toEqual(["progress", "done"]);
      });

      test("a wrong token, a wrong node, a second complete or a never-leased chunk is stale", async () => {
        const j = await newJob({}, 2);
        const { leases } = await store.leaseChunks("n1", 1, T0);
        const lease = leases[0]!;
        const stale = { outcome: "stale" as const, events: [] };
        expect(await store.completeChunk({ ...holderOf(lease, "n1"), token: "lease_forged" }, "[]", T0)).toEqual(stale);
        expect(await store.completeChunk(holderOf(lease, "n2"), "[]", T0)).toEqual(stale);
        expect(await store.failChunk(holderOf(lease, "n2"), { message: "x" }, T0)).toEqual(stale);
        expect(await store.completeChunk({ jobId: j.id, index: 1, token: lease.token, nodeId: "n1" }, "[]", T0)).toEqual(stale);
        expect(await store.completeChunk({ jobId: "job_missing", index: 0, token: "t", nodeId: "n1" }, "[]", T0)).toEqual(stale);
        expect((await job(j.id)).chunks).toEqual({ total: 2, done: 0, running: 1, failed: 0 });
        expect((await store.completeChunk(holderOf(lease, "n1"), "[1]", T0)).outcome).toBe("accepted");
        expect(await store.completeChunk(holderOf(lease, "n1"), "[2]", T0)).toEqual(stale);
        expect(await store.readResults(j.id, 0, 10)).toEqual([{ index: 0, results: "[1]" }]);
      });
    });

    describe("failChunk", () => {
      test("counts the attempt and requeues the chunk at the front", async () => {
        const j = await newJob({}, 2);
        const { leases } = await store.leaseChunks("n1", 1, T0);
        const failed = await store.failChunk(holderOf(leases[0]!, "n1"), { message: "oops" }, T0);
        expect(failed.outcome).toBe("accepted");
        expect(failed.events.map((e) => e.event)).toEqual([
          { id: 4, type: "progress", state: "running", chunks: { total: 2, done: 0, running: 0, failed: 1 }, sealed: false },
        ]);
        const again = await store.leaseChunks("n2", 1, T0);
        expect(again.leases.map((l) => [l.index, l.attempt])).toEqual([[0, 2]]);
        expect(await store.completeChunk(holderOf(leases[0]!, "n1"), "[]", T0)).toMatchObject({ outcome: "stale" });
        expect((await job(j.id)).chunks.failed).toBe(1);
      });

      test("fails the job after maxAttempts, naming the chunk and the item", async () => {
        const j = await newJob({ maxAttempts: 2 }, 2);
        const { leases } = await store.leaseChunks("n1", 2, T0);
        await store.failChunk(holderOf(leases[1]!, "n1"), { message: "boom", itemIndex: 3 }, T0);
        const retry = (await store.leaseChunks("n1", 1, T0)).leases[0]!;
        expect([retry.index, retry.attempt]).toEqual([1, 2]);
        const last = await store.failChunk(holderOf(retry, "n1"), { message: "boom", itemIndex: 3 }, T0 + 9);
        const error = "chunk 1 failed 2 times: item 13: boom";
        expect(last.events.map((e) => e.event)).toEqual([
          { id: 5, type: "failed", error, chunks: { total: 2, done: 0, running: 0, failed: 2 } },
        ]);
        expect(await job(j.id)).toMatchObject({ state: "failed", error, finishedAt: T0 + 9 });
        expect((await store.completeChunk(holderOf(leases[0]!, "n1"), "[]", T0)).outcome).toBe("job_final");
        expect((await store.leaseChunks("n1", 5, T0)).leases).toEqual([]);
      });

      test("the message omits the item when unknown, and names a failed reduce", async () => {
        const a = await newJob({ maxAttempts: 1 }, 1);
        const la = (await store.leaseChunks("n1", 1, T0)).leases[0]!;
        await store.failChunk(holderOf(la, "n1"), { message: "no item" }, T0);
        expect((await job(a.id)).error).toBe("chunk 0 failed 1 times: no item");
        const r = await newJob({ maxAttempts: 1, hasReduce: true }, 0, true);
        const lr = (await store.leaseChunks("n1", 1, T0)).leases[0]!;
        expect(lr.task).toBe("reduce");
        await store.failChunk(holderOf(lr, "n1"), { message: "bad reduce", itemIndex: 0 }, T0);
        expect((await job(r.id)).error).toBe("reduce failed 1 times: bad reduce");
      });
    });

    describe("requeueExpired", () => {
      test("requeues leases at or past expiry as a failed attempt; the old holder is stale", async () => {
        const j = await newJob({ timeoutMs: 1_000 }, 1);
        const lease = (await store.leaseChunks("n1", 1, T0)).leases[0]!;
        expect((await store.requeueExpired(lease.expiresAt - 1, 10)).requeued).toBe(0);
        const swept = await store.requeueExpired(lease.expiresAt, 10);
        expect(swept.requeued).toBe(1);
        expect(swept.events.map((e) => e.event)).toEqual([
          { id: 4, type: "progress", state: "running", chunks: { total: 1, done: 0, running: 0, failed: 1 }, sealed: false },
        ]);
        expect((await store.completeChunk(holderOf(lease, "n1"), "[]", T0)).outcome).toBe("stale");
        const again = (await store.leaseChunks("n2", 1, lease.expiresAt)).leases[0]!;
        expect([again.index, again.attempt]).toEqual([0, 2]);
        expect(again.expiresAt).toBe(lease.expiresAt + leaseMsFor(1_000));
        expect((await store.requeueExpired(lease.expiresAt, 10)).requeued).toBe(0);
        expect((await job(j.id)).chunks).toEqual({ total: 1, done: 0, running: 1, failed: 1 });
      });

      test("takes the oldest expiry first, up to the limit", async () => {
        const a = await newJob({}, 1);
        const b = await newJob({}, 1);
        await store.leaseChunks("n1", 1, T0 + 100);
        await store.leaseChunks("n1", 1, T0);
        const swept = await store.requeueExpired(T0 + 1_000_000, 1);
        expect(swept.requeued).toBe(1);
        expect(swept.events.map((e) => e.jobId)).toEqual([b.id]);
        expect(refs((await store.leaseChunks("n2", 5, T0)).leases)).toEqual([`${b.id}:0`]);
        expect((await job(a.id)).chunks.running).toBe(1);
      });

      test("fails the job once a chunk's leases expired maxAttempts times", async () => {
        const j = await newJob({ maxAttempts: 2 }, 1);
        await store.leaseChunks("n1", 1, T0);
        await store.requeueExpired(T0 + 1_000_000, 10);
        await store.leaseChunks("n2", 1, T0 + 1_000_000);
        const swept = await store.requeueExpired(T0 + 2_000_000, 10);
        expect(swept.requeued).toBe(1);
        const error = "chunk 0 failed 2 times: lease expired on node n2";
        expect(swept.events.map((e) => e.event)).toEqual([{ id: 5, type: "failed", error, chunks: { total: 1, done: 0, running: 0, failed: 2 } }]);
        expect(await job(j.id)).toMatchObject({ state: "failed", error, finishedAt: T0 + 2_000_000 });
      });
    });

    describe("releaseNode", () => {
      test("requeues the node's chunks at the front without counting an attempt", async () => {
        const j = await newJob({ maxAttempts: 1 }, 4);
        const n1 = (await store.leaseChunks("n1", 2, T0)).leases;
        const n2 = (await store.leaseChunks("n2", 1, T0)).leases;
        const released = await store.releaseNode("n1", T0);
        expect(released.requeued).toBe(2);
        expect(released.events.map((e) => e.event)).toEqual([
          { id: 4, type: "progress", state: "running", chunks: { total: 4, done: 0, running: 1, failed: 2 }, sealed: false },
        ]);
        expect((await store.completeChunk(holderOf(n1[0]!, "n1"), "[]", T0)).outcome).toBe("stale");
        expect((await store.completeChunk(holderOf(n2[0]!, "n2"), "[]", T0)).outcome).toBe("accepted");
        const again = (await store.leaseChunks("n3", 5, T0)).leases;
        expect(again.map((l) => [l.index, l.attempt])).toEqual([[0, 1], [1, 1], [3, 1]]);
        expect((await job(j.id)).state).toBe("running");
        expect((await store.releaseNode("n1", T0)).requeued).toBe(0);
        expect((await store.releaseNode("n_unknown", T0)).events).toEqual([]);
      });
    });

    describe("reduce", () => {
      test("the reduce chunk is queued at the front after the last map, and finishes the job", async () => {
        const j = await newJob({ hasReduce: true }, 2);
        const sealed = await store.sealJob(j.id, 20, T0);
        expect(sealed.events[0]!.event).toMatchObject({ type: "progress", chunks: { total: 3 }, sealed: true });
        const maps = (await store.leaseChunks("n1", 5, T0)).leases;
        expect(maps.map((l) => l.task)).toEqual(["map", "map"]);
        const other = await newJob({}, 1);
        await store.completeChunk(holderOf(maps[0]!, "n1"), "[0]", T0);
        expect((await store.leaseChunks("n2", 0, T0)).leases).toEqual([]);
        await store.completeChunk(holderOf(maps[1]!, "n1"), "[1]", T0);
        const next = (await store.leaseChunks("n2", 5, T0)).leases;
        expect(refs(next)).toEqual([`${j.id}:2`, `${other.id}:0`]);
        expect(next[0]).toMatchObject({ task: "reduce", input: { kind: "results" }, offset: 0 });
        expect(await store.readReduceResult(j.id)).toBeNull();
        const done = await store.completeChunk(holderOf(next[0]!, "n2"), '{"sum":1}', T0 + 4);
        expect(done.events.map((e) => e.event)).toEqual([
          { id: 7, type: "chunk", index: 2, task: "reduce", nodeId: "n2", chunks: { total: 3, done: 3, running: 0, failed: 0 } },
          { id: 8, type: "done", chunks: { total: 3, done: 3, running: 0, failed: 0 } },
        ]);
        expect(await store.readReduceResult(j.id)).toBe('{"sum":1}');
        expect((await store.readResults(j.id, 0, 10)).map((r) => r.index)).toEqual([0, 1]);
      });

      test("a job without reduce has no reduce result", async () => {
        const j = await newJob({}, 0, true);
        expect(await store.readReduceResult(j.id)).toBeNull();
      });
    });

    describe("cancelJob and failJob", () => {
      test("cancel stops the job: completes are job_final, leases skip it, the sweeper ignores it", async () => {
        const j = await newJob({}, 3);
        const other = await newJob({}, 1);
        const held = (await store.leaseChunks("n1", 1, T0)).leases[0]!;
        const { events } = await store.cancelJob(j.id, T0 + 2);
        expect(events.map((e) => e.event)).toEqual([
          { id: 4, type: "cancelled", chunks: { total: 3, done: 0, running: 0, failed: 0 } },
        ]);
        expect(await job(j.id)).toMatchObject({ state: "cancelled", finishedAt: T0 + 2 });
        expect(await store.completeChunk(holderOf(held, "n1"), "[]", T0)).toEqual({ outcome: "job_final", events: [] });
        expect((await store.failChunk(holderOf(held, "n1"), { message: "x" }, T0)).outcome).toBe("job_final");
        expect(refs((await store.leaseChunks("n2", 5, T0)).leases)).toEqual([`${other.id}:0`]);
        expect((await store.requeueExpired(T0 + 1_000_000, 10)).events.map((e) => e.jobId)).toEqual([other.id]);
        expect((await store.releaseNode("n1", T0)).requeued).toBe(0);
        expect((await store.cancelJob(j.id, T0)).events).toEqual([]);
        expect((await store.failJob(j.id, "late", T0)).events).toEqual([]);
        expect((await job(j.id)).state).toBe("cancelled");
      });

      test("failJob stores the error; a missing job is not_found", async () => {
        const j = await newJob({}, 1);
        const { events } = await store.failJob(j.id, "input file vanished", T0 + 1);
        expect(events.map((e) => e.event)).toEqual([
          { id: 3, type: "failed", error: "input file vanished", chunks: { total: 1, done: 0, running: 0, failed: 0 } },
        ]);
        expect(await job(j.id)).toMatchObject({ state: "failed", error: "input file vanished", finishedAt: T0 + 1 });
        expect(await codeOf(store.cancelJob("job_missing", T0))).toBe("not_found");
        expect(await codeOf(store.failJob("job_missing", "x", T0))).toBe("not_found");
      });
    });

    describe("events and results", () => {
      test("event ids count up per job and readEvents resumes after an id", async () => {
        const j = await newJob({}, 2, true);
        const other = await newJob();
        const { leases, events: leaseEvents } = await store.leaseChunks("n1", 2, T0);
        const completed = await store.completeChunk(holderOf(leases[0]!, "n1"), "[]", T0);
        const all = await store.readEvents(j.id, 0, 100);
        expect(all.map((e) => e.id)).toEqual([1, 2, 3, 4, 5]);
        expect(all.map((e) => e.type)).toEqual(["progress", "progress", "progress", "progress", "chunk"]);
        expect(all.slice(3)).toEqual([...leaseEvents, ...completed.events].map((e) => e.event));
        expect((await store.readEvents(j.id, 2, 2)).map((e) => e.id)).toEqual([3, 4]);
        expect(await store.readEvents(j.id, 5, 10)).toEqual([]);
        expect((await store.readEvents(other.id, 0, 10)).map((e) => e.id)).toEqual([1]);
        expect(await store.readEvents("job_missing", 0, 10)).toEqual([]);
      });

      test("readResults gives done map chunks in index order, page by page", async () => {
        const j = await newJob({}, 5);
        const leases = (await store.leaseChunks("n1", 5, T0)).leases;
        for (const i of [3, 1, 4, 0]) await store.completeChunk(holderOf(leases[i]!, "n1"), `[${i}]`, T0);
        expect(await store.readResults(j.id, 0, 10)).toEqual([0, 1, 3, 4].map((i) => ({ index: i, results: `[${i}]` })));
        expect(await store.readResults(j.id, 1, 2)).toEqual([{ index: 1, results: "[1]" }]);
        expect((await store.readResults(j.id, 3, 10)).map((r) => r.index)).toEqual([3, 4]);
        expect(await store.readResults(j.id, 10, 5)).toEqual([]);
      });
    });

    test("keeps only the newest maxEvents events per job", async () => {
      const small = await make({ maxEvents: 5 });
      try {
        const j = jobRecord();
        await small.createJob(j, T0);
        for (let i = 0; i < 7; i++) await small.addChunks(j.id, [itemsChunk(i, 1)], T0);
        expect((await small.readEvents(j.id, 0, 100)).map((e) => e.id)).toEqual([4, 5, 6, 7, 8]);
        expect((await small.readEvents(j.id, 6, 100)).map((e) => e.id)).toEqual([7, 8]);
      } finally {
        await small.close();
      }
    });

    test("four nodes leasing concurrently complete each of 200 chunks exactly once", async () => {
      const j = await newJob({ maxAttempts: 5 }, 0);
      for (let i = 0; i < 20; i++) await store.addChunks(j.id, chunksOf(10).map((c) => ({ ...c, offset: c.offset + i * 100 })), T0);
      await store.sealJob(j.id, 2_000, T0);
      const accepted = new Map<number, number>();
      const node = async (nodeId: string) => {
        for (let round = 0; round < 500; round++) {
          const { leases } = await store.leaseChunks(nodeId, 7, T0);
          if (leases.length === 0 && (await job(j.id)).state === "done") return;
          await Promise.all(
            leases.map(async (l) => {
              // Every 13th chunk fails its first attempt, so retries mix in.
              if (l.index % 13 === 0 && l.attempt === 1) return store.failChunk(holderOf(l, nodeId), { message: "flaky" }, T0);
              const { outcome } = await store.completeChunk(holderOf(l, nodeId), `[${l.index}]`, T0);
              if (outcome === "accepted") accepted.set(l.index, (accepted.get(l.index) ?? 0) + 1);
            }),
          );
        }
        throw new Error(`${nodeId} never saw the job finish`);
      };
      await Promise.all(["n1", "n2", "n3", "n4"].map(node));
      expect([...accepted.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: 200 }, (_, i) => i));
      expect([...accepted.values()].every((n) => n === 1)).toBe(true);
      expect((await job(j.id)).chunks).toEqual({ total: 200, done: 200, running: 0, failed: 16 });
      expect((await store.readResults(j.id, 0, 500)).length).toBe(200);
    });
  });
}
