import { describe, expect, test } from "bun:test";
import type { ChunkLease, ChunkStore, LeaseHolder } from "@medusa/core";
import { chunksOf, holderOf, jobRecord, T0, type ContractContext } from "./chunk-store.fixtures.ts";

/** Part of the ChunkStore contract: a node's batch of results taken as one transition (completeChunks). */
export function batchesContract(t: ContractContext): void {
  const result = (l: ChunkLease, nodeId: string, results = `[${l.index}]`) => ({ ...holderOf(l, nodeId), results });

  describe("completeChunks", () => {
    test("a batch leaves the store as the same results one at a time would: outcomes, events, results, settlements", async () => {
      const priced = { credits: { price: 2, held: 40, spent: 0 }, id: `job_batch${Math.random().toString(36).slice(2, 8)}` };
      const run = async (store: ChunkStore, batched: boolean) => {
        await store.createJob(jobRecord(priced), T0);
        await store.addChunks(priced.id, chunksOf(4));
        await store.sealJob(priced.id, 40, T0);
        const { leases } = await store.leaseChunks("n1", 4, T0);
        const results = [leases[2]!, leases[0]!, leases[3]!, leases[1]!].map((l) => result(l, "n1"));
        if (batched) {
          const t = await store.completeChunks(results, T0 + 1);
          return { outcomes: t.completed.map((c) => c.outcome), events: t.events };
        }
        const outcomes: string[] = [];
        const events = [];
        for (const r of results) {
          const one = await store.completeChunk(r, r.results, T0 + 1);
          outcomes.push(one.outcome);
          events.push(...one.events);
        }
        return { outcomes, events };
      };
      const other = await t.make();
      try {
        const batch = await run(t.store, true);
        const single = await run(other, false);
        expect(batch.outcomes).toEqual(["accepted", "accepted", "accepted", "accepted"]);
        expect(batch).toEqual(single);
        expect(batch.events.map((e) => e.event.type)).toEqual(["chunk", "chunk", "chunk", "chunk", "done"]);
        const ids = batch.events.map((e) => e.event.id);
        expect(ids).toEqual(ids.map((_, i) => ids[0]! + i));
        for (const s of [t.store, other]) expect((await s.readEvents(priced.id, 0, 100)).slice(-5)).toEqual(batch.events.map((e) => e.event));
        expect(await t.store.readResults(priced.id, 0, 10)).toEqual(await other.readResults(priced.id, 0, 10));
        expect(await t.store.getJob(priced.id)).toEqual(await other.getJob(priced.id));
        const keys = async (s: ChunkStore) => (await s.pendingSettlements(100)).map((x) => x.key).sort();
        expect(await keys(t.store)).toEqual(await keys(other));
        expect((await t.store.getJob(priced.id))!.credits.spent).toBe(8);
      } finally {
        await other.close();
      }
    });

    test("a stale result, a forged token or a final job's result is refused on its own; the rest of the batch counts", async () => {
      const j = await t.newJob({}, 3);
      const gone = await t.newJob({}, 1);
      const { leases } = await t.store.leaseChunks("n1", 4, T0);
      const [a, b, c] = leases.filter((l) => l.jobId === j.id);
      const g = leases.find((l) => l.jobId === gone.id)!;
      await t.store.cancelJob(gone.id, T0);
      const forged: LeaseHolder & { results: string } = { ...result(b!, "n1"), token: "lease_forged" };
      const done = await t.store.completeChunks([result(a!, "n1"), forged, result(g, "n1"), result(c!, "n1"), result(a!, "n1", "[9]")], T0 + 1);
      expect(done.completed.map((x) => x.outcome)).toEqual(["accepted", "stale", expect.stringMatching(/^(job_final|stale)$/), "accepted", "stale"]);
      expect(done.events.map((e) => [e.event.type, "index" in e.event ? e.event.index : null])).toEqual([["chunk", 0], ["chunk", 2]]);
      expect((await t.job(j.id)).chunks).toEqual({ total: 3, done: 2, running: 1, failed: 0 });
      expect(await t.store.readResults(j.id, 0, 10)).toEqual([{ index: 0, results: "[0]" }, { index: 2, results: "[2]" }]);
      expect((await t.store.completeChunks([result(b!, "n1")], T0 + 2)).completed).toEqual([{ outcome: "accepted", disagreed: [] }]);
      expect(await t.store.completeChunks([], T0 + 3)).toEqual({ events: [], queued: 0, completed: [] });
    });

    test("replicas vote across batches: a pending result, then another node's batch that agrees or disagrees", async () => {
      const j = await t.newJob({ replicas: 2, quorum: 2 }, 2, true);
      const first = (await t.store.leaseChunks("n1", 2, T0)).leases;
      const second = (await t.store.leaseChunks("n2", 2, T0)).leases;
      const pending = await t.store.completeChunks(first.map((l) => result(l, "n1")), T0);
      expect(pending.completed.map((x) => x.outcome)).toEqual(["pending", "pending"]);
      // n2 agrees on chunk 0 and not on chunk 1: chunk 1 wants a third replica.
      const votes = await t.store.completeChunks([result(second[0]!, "n2"), result(second[1]!, "n2", "[99]")], T0 + 1);
      expect(votes.completed.map((x) => x.outcome)).toEqual(["accepted", "pending"]);
      expect(votes.queued).toBe(1);
      const third = (await t.store.leaseChunks("n3", 2, T0 + 2)).leases;
      expect(third.map((l) => l.index)).toEqual([1]);
      const settled = await t.store.completeChunks([result(third[0]!, "n3")], T0 + 3);
      expect(settled.completed).toEqual([{ outcome: "accepted", disagreed: ["n2"] }]);
      expect(settled.events.map((e) => e.event.type)).toEqual(["chunk", "done"]);
      expect(await t.store.readResults(j.id, 0, 10)).toEqual([{ index: 0, results: "[0]" }, { index: 1, results: "[1]" }]);
    });
  });
}
