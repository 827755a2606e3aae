import { describe, expect, test } from "bun:test";
import { chunksOf, holderOf, T0, type ContractContext } from "./chunk-store.fixtures.ts";

/**
 * Part of the ChunkStore contract: every transition says how many chunks it
 * put into the queue (new, retried, a replica more, the reduce released), so
 * the scheduler announces new work from that and not from event shapes.
 */
export function queuedContract(t: ContractContext): void {
  describe("queued", () => {
    test("new chunks are queued; creating, leasing and completing a map that releases nothing queue nothing", async () => {
      const j = await t.newJob();
      expect((await t.store.addChunks(j.id, chunksOf(3))).queued).toBe(3);
      const created = await t.store.createJob({ ...(await t.job(j.id)), id: `${j.id}_b` }, T0);
      expect(created.queued).toBe(0);
      const { leases, queued } = await t.store.leaseChunks("n1", 2, T0);
      expect(queued).toBe(0);
      expect((await t.store.completeChunk(holderOf(leases[0]!, "n1"), "[]", T0)).queued).toBe(0);
      expect((await t.store.sealJob(j.id, 30, T0)).queued).toBe(0);
    });

    test("a failed attempt queues its retry; the last allowed failure queues nothing and fails the job", async () => {
      const j = await t.newJob({ maxAttempts: 2 }, 1);
      const first = (await t.store.leaseChunks("n1", 1, T0)).leases[0]!;
      expect((await t.store.failChunk(holderOf(first, "n1"), { message: "x" }, T0)).queued).toBe(1);
      const second = (await t.store.leaseChunks("n2", 1, T0)).leases[0]!;
      const failed = await t.store.failChunk(holderOf(second, "n2"), { message: "x" }, T0);
      expect(failed.queued).toBe(0);
      expect((await t.job(j.id)).state).toBe("failed");
    });

    test("the reduce chunk is queued by whatever releases it: sealing an empty job, or the last map result", async () => {
      const empty = await t.newJob({ hasReduce: true });
      expect((await t.store.sealJob(empty.id, 0, T0)).queued).toBe(1);
      await t.store.leaseChunks("n_empty", 5, T0);
      const j = await t.newJob({ hasReduce: true }, 2, true);
      const maps = (await t.store.leaseChunks("n1", 2, T0)).leases;
      expect((await t.store.completeChunk(holderOf(maps[0]!, "n1"), "[0]", T0)).queued).toBe(0);
      expect((await t.store.completeChunk(holderOf(maps[1]!, "n1"), "[1]", T0)).queued).toBe(1);
      const reduce = (await t.store.leaseChunks("n2", 5, T0)).leases;
      expect(reduce.map((l) => [l.jobId, l.task])).toEqual([[j.id, "reduce"]]);
      expect((await t.store.completeChunk(holderOf(reduce[0]!, "n2"), "1", T0)).queued).toBe(0);
    });

    test("expired and released leases are queued again, one each", async () => {
      await t.newJob({}, 4);
      await t.store.leaseChunks("n1", 2, T0);
      await t.store.leaseChunks("n2", 2, T0);
      expect(await t.store.requeueExpired(T0 + 1_000_000, 10)).toMatchObject({ requeued: 4, queued: 4 });
      await t.store.leaseChunks("n3", 3, T0 + 1_000_001);
      expect(await t.store.releaseNode("n3", T0)).toMatchObject({ requeued: 3, queued: 3 });
    });

    test("a replica more wanted is queued; a chunk still in the queue for its other replicas is not counted again", async () => {
      const j = await t.newJob({ replicas: 2, quorum: 2 }, 1);
      const a = (await t.store.leaseChunks("n1", 1, T0)).leases[0]!;
      // The chunk still wants its second replica, so it never left the queue.
      expect((await t.store.failChunk(holderOf(a, "n1"), { message: "x" }, T0)).queued).toBe(0);
      const [b, c] = [(await t.store.leaseChunks("n2", 1, T0)).leases[0]!, (await t.store.leaseChunks("n3", 1, T0)).leases[0]!];
      expect((await t.store.completeChunk(holderOf(b, "n2"), "[1]", T0, "h1")).queued).toBe(0);
      // Two different answers: a quorum of 2 now needs a third replica.
      const split = await t.store.completeChunk(holderOf(c, "n3"), "[2]", T0, "h2");
      expect([split.outcome, split.queued]).toEqual(["pending", 1]);
      expect((await t.store.leaseChunks("n4", 1, T0)).leases.map((l) => l.jobId)).toEqual([j.id]);
    });
  });
}
