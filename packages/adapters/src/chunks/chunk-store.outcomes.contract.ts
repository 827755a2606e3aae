import { describe, expect, test } from "bun:test";
import { FREE_RELEASES, leaseMsFor } from "@medusa/core";
import { holderOf, refs, T0, type ContractContext } from "./chunk-store.fixtures.ts";

/** Part of the ChunkStore contract: what happens to a lease (complete, fail, expire, release). */
export function leaseOutcomesContract(t: ContractContext): void {
  describe("completeChunk", () => {
    test("stores results, counts the chunk, and finishes a sealed job with its last chunk", async () => {
      const j = await t.newJob({}, 2, true);
      const { leases } = await t.store.leaseChunks("n1", 2, T0);
      const one = await t.store.completeChunk(holderOf(leases[1]!, "n1"), "[1]", T0 + 1);
      expect(one.outcome).toBe("accepted");
      expect(one.events.map((e) => e.event)).toEqual([
        { id: 7, type: "chunk", index: 1, task: "map", nodeId: "n1", chunks: { total: 2, done: 1, running: 1, failed: 0 } },
      ]);
      const two = await t.store.completeChunk(holderOf(leases[0]!, "n1"), "[0]", T0 + 2);
      expect(two.events.map((e) => e.event.type)).toEqual(["chunk", "done"]);
      expect(two.events[1]!.event).toEqual({ id: 9, type: "done", chunks: { total: 2, done: 2, running: 0, failed: 0 } });
      expect(await t.job(j.id)).toMatchObject({ state: "done", finishedAt: T0 + 2 });
      expect(await t.store.readResults(j.id, 0, 10)).toEqual([{ index: 0, results: "[0]" }, { index: 1, results: "[1]" }]);
    });

    test("an unsealed job stays running with every chunk done, and is done when sealed", async () => {
      const j = await t.newJob({}, 1);
      const { leases } = await t.store.leaseChunks("n1", 1, T0);
      await t.store.completeChunk(holderOf(leases[0]!, "n1"), "[]", T0);
      expect((await t.job(j.id)).state).toBe("running");
      const sealed = await t.store.sealJob(j.id, 10, T0 + 3);
      expect(sealed.events.map((e) => e.event.type)).toEqual(["progress", "done"]);
    });

    test("a wrong token, a wrong node, a second complete or a never-leased chunk is stale", async () => {
      const j = await t.newJob({}, 2);
      const { leases } = await t.store.leaseChunks("n1", 1, T0);
      const lease = leases[0]!;
      const stale = { outcome: "stale" as const, events: [], disagreed: [], queued: 0 };
      expect(await t.store.completeChunk({ ...holderOf(lease, "n1"), token: "lease_forged" }, "[]", T0)).toEqual(stale);
      expect(await t.store.completeChunk(holderOf(lease, "n2"), "[]", T0)).toEqual(stale);
      expect(await t.store.failChunk(holderOf(lease, "n2"), { message: "x" }, T0)).toEqual({ outcome: "stale", events: [], queued: 0 });
      expect(await t.store.completeChunk({ jobId: j.id, index: 1, token: lease.token, nodeId: "n1" }, "[]", T0)).toEqual(stale);
      expect(await t.store.completeChunk({ jobId: "job_missing", index: 0, token: "t", nodeId: "n1" }, "[]", T0)).toEqual(stale);
      expect((await t.job(j.id)).chunks).toEqual({ total: 2, done: 0, running: 1, failed: 0 });
      expect((await t.store.completeChunk(holderOf(lease, "n1"), "[1]", T0)).outcome).toBe("accepted");
      // A report on a chunk already done says so: a late copy, not a lost lease.
      expect(await t.store.completeChunk(holderOf(lease, "n1"), "[2]", T0)).toEqual({ ...stale, settled: true });
      expect(await t.store.readResults(j.id, 0, 10)).toEqual([{ index: 0, results: "[1]" }]);
    });
  });

  describe("failChunk", () => {
    test("counts the attempt and requeues the chunk at the front", async () => {
      const j = await t.newJob({}, 2);
      const { leases } = await t.store.leaseChunks("n1", 1, T0);
      const failed = await t.store.failChunk(holderOf(leases[0]!, "n1"), { message: "oops" }, T0);
      expect(failed.outcome).toBe("accepted");
      expect(failed.events.map((e) => e.event)).toEqual([
        { id: 5, type: "progress", state: "running", chunks: { total: 2, done: 0, running: 0, failed: 1 }, sealed: false },
      ]);
      const again = await t.store.leaseChunks("n2", 1, T0);
      expect(again.leases.map((l) => [l.index, l.attempt])).toEqual([[0, 2]]);
      expect(await t.store.completeChunk(holderOf(leases[0]!, "n1"), "[]", T0)).toMatchObject({ outcome: "stale" });
      expect((await t.job(j.id)).chunks.failed).toBe(1);
    });

    test("fails the job after maxAttempts, naming the chunk and the item", async () => {
      const j = await t.newJob({ maxAttempts: 2 }, 2);
      const { leases } = await t.store.leaseChunks("n1", 2, T0);
      await t.store.failChunk(holderOf(leases[1]!, "n1"), { message: "boom", itemIndex: 3 }, T0);
      const retry = (await t.store.leaseChunks("n1", 1, T0)).leases[0]!;
      expect([retry.index, retry.attempt]).toEqual([1, 2]);
      const last = await t.store.failChunk(holderOf(retry, "n1"), { message: "boom", itemIndex: 3 }, T0 + 9);
      const error = "chunk 1 failed 2 times: item 13: boom";
      expect(last.events.map((e) => e.event)).toEqual([
        { id: 8, type: "failed", error, chunks: { total: 2, done: 0, running: 0, failed: 2 } },
      ]);
      expect(await t.job(j.id)).toMatchObject({ state: "failed", error, finishedAt: T0 + 9 });
      expect((await t.store.completeChunk(holderOf(leases[0]!, "n1"), "[]", T0)).outcome).toBe("job_final");
      expect((await t.store.leaseChunks("n1", 5, T0)).leases).toEqual([]);
    });

    test("the message omits the item when unknown, and names a failed reduce", async () => {
      const a = await t.newJob({ maxAttempts: 1 }, 1);
      const la = (await t.store.leaseChunks("n1", 1, T0)).leases[0]!;
      await t.store.failChunk(holderOf(la, "n1"), { message: "no item" }, T0);
      expect((await t.job(a.id)).error).toBe("chunk 0 failed once: no item");
      const r = await t.newJob({ maxAttempts: 1, hasReduce: true }, 0, true);
      const lr = (await t.store.leaseChunks("n1", 1, T0)).leases[0]!;
      expect(lr.task).toBe("reduce");
      await t.store.failChunk(holderOf(lr, "n1"), { message: "bad reduce", itemIndex: 0 }, T0);
      expect((await t.job(r.id)).error).toBe("reduce failed once: bad reduce");
    });
  });

  describe("requeueExpired", () => {
    test("requeues leases at or past expiry as a failed attempt; the old holder is stale", async () => {
      const j = await t.newJob({ timeoutMs: 1_000 }, 1);
      const lease = (await t.store.leaseChunks("n1", 1, T0)).leases[0]!;
      expect((await t.store.requeueExpired(lease.expiresAt - 1, 10)).requeued).toBe(0);
      const swept = await t.store.requeueExpired(lease.expiresAt, 10);
      expect(swept.requeued).toBe(1);
      expect(swept.events.map((e) => e.event)).toEqual([
        { id: 5, type: "progress", state: "running", chunks: { total: 1, done: 0, running: 0, failed: 1 }, sealed: false },
      ]);
      expect((await t.store.completeChunk(holderOf(lease, "n1"), "[]", T0)).outcome).toBe("stale");
      const again = (await t.store.leaseChunks("n2", 1, lease.expiresAt)).leases[0]!;
      expect([again.index, again.attempt]).toEqual([0, 2]);
      expect(again.expiresAt).toBe(lease.expiresAt + leaseMsFor(1_000));
      expect((await t.store.requeueExpired(lease.expiresAt, 10)).requeued).toBe(0);
      expect((await t.job(j.id)).chunks).toEqual({ total: 1, done: 0, running: 1, failed: 1 });
    });

    test("takes the oldest expiry first, up to the limit", async () => {
      const a = await t.newJob({}, 1);
      const b = await t.newJob({}, 1);
      await t.store.leaseChunks("n1", 1, T0 + 100);
      await t.store.leaseChunks("n1", 1, T0);
      const swept = await t.store.requeueExpired(T0 + 1_000_000, 1);
      expect(swept.requeued).toBe(1);
      expect(swept.events.map((e) => e.jobId)).toEqual([b.id]);
      expect(refs((await t.store.leaseChunks("n2", 5, T0)).leases)).toEqual([`${b.id}:0`]);
      expect((await t.job(a.id)).chunks.running).toBe(1);
    });

    test("fails the job once a chunk's leases expired maxAttempts times", async () => {
      const j = await t.newJob({ maxAttempts: 2 }, 1);
      await t.store.leaseChunks("n1", 1, T0);
      await t.store.requeueExpired(T0 + 1_000_000, 10);
      await t.store.leaseChunks("n2", 1, T0 + 1_000_000);
      const swept = await t.store.requeueExpired(T0 + 2_000_000, 10);
      expect(swept.requeued).toBe(1);
      const error = "chunk 0 failed 2 times: lease expired on node n2";
      expect(swept.events.map((e) => e.event)).toEqual([{ id: 7, type: "failed", error, chunks: { total: 1, done: 0, running: 0, failed: 2 } }]);
      expect(await t.job(j.id)).toMatchObject({ state: "failed", error, finishedAt: T0 + 2_000_000 });
    });
  });

  describe("releaseNode", () => {
    test("requeues the node's chunks at the front without counting an attempt", async () => {
      const j = await t.newJob({ maxAttempts: 1 }, 4);
      const n1 = (await t.store.leaseChunks("n1", 2, T0)).leases;
      const n2 = (await t.store.leaseChunks("n2", 1, T0)).leases;
      const released = await t.store.releaseNode("n1", T0);
      expect(released.requeued).toBe(2);
      expect(released.events.map((e) => e.event)).toEqual([
        { id: 7, type: "progress", state: "running", chunks: { total: 4, done: 0, running: 1, failed: 2 }, sealed: false },
      ]);
      expect((await t.store.completeChunk(holderOf(n1[0]!, "n1"), "[]", T0)).outcome).toBe("stale");
      expect((await t.store.completeChunk(holderOf(n2[0]!, "n2"), "[]", T0)).outcome).toBe("accepted");
      const again = (await t.store.leaseChunks("n3", 5, T0)).leases;
      expect(again.map((l) => [l.index, l.attempt])).toEqual([[0, 1], [1, 1], [3, 1]]);
      expect((await t.job(j.id)).state).toBe("running");
      expect((await t.store.releaseNode("n1", T0)).requeued).toBe(0);
      expect((await t.store.releaseNode("n_unknown", T0)).events).toEqual([]);
    });

    test(`past ${FREE_RELEASES} free releases, each release of a chunk is a failed attempt: a chunk that keeps dropping its node ends its job`, async () => {
      const j = await t.newJob({ maxAttempts: 2 }, 2, true);
      for (let i = 1; i <= FREE_RELEASES + 2; i++) {
        const { leases } = await t.store.leaseChunks("n1", 1, T0 + i);
        expect(leases.map((l) => l.index)).toEqual([0]);
        const released = await t.store.releaseNode("n1", T0 + i);
        expect(released.requeued).toBe(1);
        expect((await t.job(j.id)).state).toBe(i < FREE_RELEASES + 2 ? "running" : "failed");
      }
      const error = `chunk 0 failed 2 times: lost with its node's connection ${FREE_RELEASES + 2} times (last: node n1)`;
      expect(await t.job(j.id)).toMatchObject({ state: "failed", error, finishedAt: T0 + FREE_RELEASES + 2 });
      // The job is over: nothing more to lease, and the other chunk was never touched.
      expect((await t.store.leaseChunks("n2", 5, T0 + 10)).leases).toEqual([]);
    });
  });
}
