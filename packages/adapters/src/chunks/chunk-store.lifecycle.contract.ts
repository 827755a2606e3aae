import { describe, expect, test } from "bun:test";
import { chunksOf, codeOf, holderOf, itemsChunk, jobRecord, refs, T0, type ContractContext } from "./chunk-store.fixtures.ts";

/** Part of the ChunkStore contract: reduce, stopping jobs, events and results. */
export function lifecycleContract(t: ContractContext): void {
  describe("reduce", () => {
    test("the reduce chunk is queued at the front after the last map, and finishes the job", async () => {
      const j = await t.newJob({ hasReduce: true }, 2);
      const sealed = await t.store.sealJob(j.id, 20, T0);
      expect(sealed.events[0]!.event).toMatchObject({ type: "progress", chunks: { total: 3 }, sealed: true });
      const maps = (await t.store.leaseChunks("n1", 5, T0)).leases;
      expect(maps.map((l) => l.task)).toEqual(["map", "map"]);
      const other = await t.newJob({}, 1);
      await t.store.completeChunk(holderOf(maps[0]!, "n1"), "[0]", T0);
      expect((await t.store.leaseChunks("n2", 0, T0)).leases).toEqual([]);
      await t.store.completeChunk(holderOf(maps[1]!, "n1"), "[1]", T0);
      const next = (await t.store.leaseChunks("n2", 5, T0)).leases;
      expect(refs(next)).toEqual([`${j.id}:2`, `${other.id}:0`]);
      expect(next[0]).toMatchObject({ task: "reduce", input: { kind: "results" }, offset: 0 });
      expect(await t.store.readReduceResult(j.id)).toBeNull();
      const done = await t.store.completeChunk(holderOf(next[0]!, "n2"), '{"sum":1}', T0 + 4);
      expect(done.events.map((e) => e.event)).toEqual([
        { id: 10, type: "chunk", index: 2, task: "reduce", nodeId: "n2", chunks: { total: 3, done: 3, running: 0, failed: 0 } },
        { id: 11, type: "done", chunks: { total: 3, done: 3, running: 0, failed: 0 } },
      ]);
      expect(await t.store.readReduceResult(j.id)).toBe('{"sum":1}');
      expect((await t.store.readResults(j.id, 0, 10)).map((r) => r.index)).toEqual([0, 1]);
    });

    test("a job without reduce has no reduce result", async () => {
      const j = await t.newJob({}, 0, true);
      expect(await t.store.readReduceResult(j.id)).toBeNull();
    });
  });

  describe("cancelJob and failJob", () => {
    test("cancel stops the job: completes are job_final, leases skip it, the sweeper ignores it", async () => {
      const j = await t.newJob({}, 3);
      const other = await t.newJob({}, 1);
      const held = (await t.store.leaseChunks("n1", 1, T0)).leases[0]!;
      const { events } = await t.store.cancelJob(j.id, T0 + 2);
      expect(events.map((e) => e.event)).toEqual([
        { id: 5, type: "cancelled", chunks: { total: 3, done: 0, running: 0, failed: 0 } },
      ]);
      expect(await t.job(j.id)).toMatchObject({ state: "cancelled", finishedAt: T0 + 2 });
      expect(await t.store.completeChunk(holderOf(held, "n1"), "[]", T0)).toEqual({ outcome: "job_final", events: [], disagreed: [], queued: 0 });
      expect((await t.store.failChunk(holderOf(held, "n1"), { message: "x" }, T0)).outcome).toBe("job_final");
      expect(refs((await t.store.leaseChunks("n2", 5, T0)).leases)).toEqual([`${other.id}:0`]);
      expect((await t.store.requeueExpired(T0 + 1_000_000, 10)).events.map((e) => e.jobId)).toEqual([other.id]);
      expect((await t.store.releaseNode("n1", T0)).requeued).toBe(0);
      expect((await t.store.cancelJob(j.id, T0)).events).toEqual([]);
      expect((await t.store.failJob(j.id, "late", T0)).events).toEqual([]);
      expect((await t.job(j.id)).state).toBe("cancelled");
    });

    test("failJob stores the error; a missing job is not_found", async () => {
      const j = await t.newJob({}, 1);
      const { events } = await t.store.failJob(j.id, "input file vanished", T0 + 1);
      expect(events.map((e) => e.event)).toEqual([
        { id: 3, type: "failed", error: "input file vanished", chunks: { total: 1, done: 0, running: 0, failed: 0 } },
      ]);
      expect(await t.job(j.id)).toMatchObject({ state: "failed", error: "input file vanished", finishedAt: T0 + 1 });
      expect(await codeOf(t.store.cancelJob("job_missing", T0))).toBe("not_found");
      expect(await codeOf(t.store.failJob("job_missing", "x", T0))).toBe("not_found");
    });
  });

  describe("events and results", () => {
    test("event ids count up per job and readEvents resumes after an id", async () => {
      const j = await t.newJob({}, 2, true);
      const other = await t.newJob();
      const { leases, events: leaseEvents } = await t.store.leaseChunks("n1", 2, T0);
      const completed = await t.store.completeChunk(holderOf(leases[0]!, "n1"), "[]", T0);
      const all = await t.store.readEvents(j.id, 0, 100);
      expect(all.map((e) => e.id)).toEqual([1, 2, 3, 4, 5, 6, 7]);
      expect(all.map((e) => e.type)).toEqual(["progress", "progress", "progress", "progress", "leased", "leased", "chunk"]);
      expect(all.slice(3)).toEqual([...leaseEvents, ...completed.events].map((e) => e.event));
      expect((await t.store.readEvents(j.id, 2, 2)).map((e) => e.id)).toEqual([3, 4]);
      expect(await t.store.readEvents(j.id, 7, 10)).toEqual([]);
      expect((await t.store.readEvents(other.id, 0, 10)).map((e) => e.id)).toEqual([1]);
      expect(await t.store.readEvents("job_missing", 0, 10)).toEqual([]);
    });

    test("readResults gives done map chunks in index order, page by page", async () => {
      const j = await t.newJob({}, 5);
      const leases = (await t.store.leaseChunks("n1", 5, T0)).leases;
      for (const i of [3, 1, 4, 0]) await t.store.completeChunk(holderOf(leases[i]!, "n1"), `[${i}]`, T0);
      expect(await t.store.readResults(j.id, 0, 10)).toEqual([0, 1, 3, 4].map((i) => ({ index: i, results: `[${i}]` })));
      expect(await t.store.readResults(j.id, 1, 2)).toEqual([{ index: 1, results: "[1]" }]);
      expect((await t.store.readResults(j.id, 3, 10)).map((r) => r.index)).toEqual([3, 4]);
      expect(await t.store.readResults(j.id, 10, 5)).toEqual([]);
    });
  });

  test("keeps only the newest maxEvents events per job", async () => {
    const small = await t.make({ maxEvents: 5 });
    try {
      const j = jobRecord();
      await small.createJob(j, T0);
      for (let i = 0; i < 7; i++) await small.addChunks(j.id, [itemsChunk(i, 1)]);
      expect((await small.readEvents(j.id, 0, 100)).map((e) => e.id)).toEqual([4, 5, 6, 7, 8]);
      expect((await small.readEvents(j.id, 6, 100)).map((e) => e.id)).toEqual([7, 8]);
    } finally {
      await small.close();
    }
  });

  test("four nodes leasing concurrently complete each of 200 chunks exactly once", async () => {
    const j = await t.newJob({ maxAttempts: 5 }, 0);
    for (let i = 0; i < 20; i++) await t.store.addChunks(j.id, chunksOf(10).map((c) => ({ ...c, offset: c.offset + i * 100 })));
    await t.store.sealJob(j.id, 2_000, T0);
    const accepted = new Map<number, number>();
    const node = async (nodeId: string) => {
      for (let round = 0; round < 500; round++) {
        const { leases } = await t.store.leaseChunks(nodeId, 7, T0);
        if (leases.length === 0 && (await t.job(j.id)).state === "done") return;
        await Promise.all(
          leases.map(async (l) => {
            // Every 13th chunk fails its first attempt, so retries mix in.
            if (l.index % 13 === 0 && l.attempt === 1) return t.store.failChunk(holderOf(l, nodeId), { message: "flaky" }, T0);
            const { outcome } = await t.store.completeChunk(holderOf(l, nodeId), `[${l.index}]`, T0);
            if (outcome === "accepted") accepted.set(l.index, (accepted.get(l.index) ?? 0) + 1);
          }),
        );
      }
      throw new Error(`${nodeId} never saw the job finish`);
    };
    await Promise.all(["n1", "n2", "n3", "n4"].map(node));
    expect([...accepted.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: 200 }, (_, i) => i));
    expect([...accepted.values()].every((n) => n === 1)).toBe(true);
    expect((await t.job(j.id)).chunks).toEqual({ total: 200, done: 200, running: 0, failed: 16 });
    expect((await t.store.readResults(j.id, 0, 500)).length).toBe(200);
  });
}
