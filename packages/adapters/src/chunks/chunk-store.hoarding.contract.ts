import { describe, expect, test } from "bun:test";
import { leaseMsFor } from "@medusa/core";
import { holderOf, T0, type ContractContext } from "./chunk-store.fixtures.ts";

const LATER = T0 + 1_000_000;
/** The fixtures' jobs run chunks for 1 s at most: one lease length. */
const LEASE = leaseMsFor(1_000);

/**
 * Part of the ChunkStore contract: a node that takes chunks and sits on them
 * (a hoarder) costs itself, not the consumer. A lease that ran out is not
 * given to the same node again for one lease length; only a node's first expiry counts as a failed
 * attempt; every node holds at most its lease window, which starts small and
 * grows with accepted results (BOINC's per-host quota), and never falls below
 * one chunk. A job may also ask for nodes with a validated record (minReputation).
 *
 * The floor and the lease-length bar are what an outage needs: a NATS restart
 * or a Redis power loss runs out honest nodes' leases in bulk, and with a
 * window at none (it could never grow back) and chunks barred for good from
 * the nodes they ran out on, a job on two nodes stalled for good
 * (apps/stack/src/server-restart.e2e.test.ts found it).
 */
export function hoardingContract(t: ContractContext): void {
  describe("hoarding", () => {
    test("a node holds at most its window: the start, plus one per accepted result, less what it holds", async () => {
      await t.newJob({}, 10);
      const window = { startWindow: 3 };
      const first = (await t.store.leaseChunks("n1", 10, T0, window)).leases;
      expect(first).toHaveLength(3);
      expect((await t.store.leaseChunks("n1", 10, T0, window)).leases).toHaveLength(0);
      expect((await t.store.completeChunk(holderOf(first[0]!, "n1"), "[0]", T0)).outcome).toBe("accepted");
      // One result in: one lease fewer held, and a window one wider.
      expect((await t.store.leaseChunks("n1", 10, T0, window)).leases).toHaveLength(2);
      expect((await t.store.reputations(["n1"])).n1).toMatchObject({ accepted: 1, expired: 0 });
      expect((await t.store.leaseChunks("n2", 10, T0)).leases).toHaveLength(5);
    });

    test("an expired chunk is not leased to the same node again; other nodes take it", async () => {
      await t.newJob({ maxAttempts: 3 }, 1);
      await t.store.leaseChunks("n1", 1, T0);
      expect((await t.store.requeueExpired(LATER, 10)).requeued).toBe(1);
      expect((await t.store.leaseChunks("n1", 5, LATER)).leases).toHaveLength(0);
      const again = (await t.store.leaseChunks("n2", 5, LATER)).leases;
      expect(again.map((l) => l.index)).toEqual([0]);
    });

    test("only a node's first expiry counts as a failed attempt; later ones cost the node its window", async () => {
      const j = await t.newJob({ maxAttempts: 2 }, 4, true);
      await t.store.leaseChunks("n1", 4, T0);
      const swept = await t.store.requeueExpired(LATER, 10);
      expect(swept).toMatchObject({ requeued: 4, queued: 4 });
      expect(await t.job(j.id)).toMatchObject({ state: "running", chunks: { total: 4, done: 0, running: 0, failed: 1 } });
      expect((await t.store.reputations(["n1"])).n1).toMatchObject({ expired: 4, streak: 0 });
      // Four expiries with a start of 8 leave a window of one, and none of these four chunks is n1's to take again yet.
      expect((await t.store.leaseChunks("n1", 5, LATER, { startWindow: 8 })).leases).toHaveLength(0);
      const honest = (await t.store.leaseChunks("n2", 5, LATER, { startWindow: 8 })).leases;
      expect(honest.map((l) => l.index).sort()).toEqual([0, 1, 2, 3]);
      for (const l of honest) await t.store.completeChunk(holderOf(l, "n2"), "[1]", LATER);
      expect((await t.job(j.id)).state).toBe("done");
    });

    test("a job's minReputation passes over nodes with fewer validated results; its chunks wait for one that has them", async () => {
      await t.newJob({ replicas: 2, quorum: 2 }, 1, true);
      for (const n of ["n1", "n2"]) {
        const [lease] = (await t.store.leaseChunks(n, 1, T0)).leases;
        await t.store.completeChunk(holderOf(lease!, n), "[1]", T0);
      }
      const picky = await t.newJob({ minReputation: 1 }, 2, true);
      expect(await t.job(picky.id)).toMatchObject({ minReputation: 1 });
      expect((await t.store.leaseChunks("newcomer", 5, T0)).leases).toHaveLength(0);
      expect((await t.store.leaseChunks("n1", 1, T0)).leases.map((l) => l.jobId)).toEqual([picky.id]);
      // Jobs without the bar still go to anyone, behind the one that waits.
      const open = await t.newJob({}, 1, true);
      expect((await t.store.leaseChunks("newcomer", 5, T0)).leases.map((l) => l.jobId)).toEqual([open.id]);
    });

    test("with a window, a node with a clean record starts with that many and a hoarder ends with one at a time", async () => {
      await t.newJob({ maxAttempts: 3 }, 20);
      const window = { startWindow: 2 };
      const hoarded = (await t.store.leaseChunks("hoarder", 20, T0, window)).leases;
      expect(hoarded).toHaveLength(2);
      await t.store.requeueExpired(LATER, 10);
      const next = (await t.store.leaseChunks("hoarder", 20, LATER, window)).leases;
      expect(next.map((l) => l.index)).toEqual([2]);
      expect((await t.store.leaseChunks("hoarder", 20, LATER, window)).leases).toHaveLength(0);
      expect((await t.store.leaseChunks("fresh", 20, LATER, window)).leases.map((l) => l.index).sort()).toEqual([0, 1]);
    });

    test("a node whose leases all ran out (an outage lost its results) still gets one chunk, and its window grows back with results", async () => {
      await t.newJob({ maxAttempts: 10 }, 20, true);
      const window = { startWindow: 8 };
      await t.store.leaseChunks("n1", 3, T0, window);
      expect((await t.store.requeueExpired(LATER, 10)).requeued).toBe(3);
      // 8 + 0 accepted − 3 × 8 expired is below none: the floor leaves one chunk.
      const [one, ...more] = (await t.store.leaseChunks("n1", 5, LATER, window)).leases;
      expect(more).toHaveLength(0);
      expect(one!.index).toBe(3);
      expect((await t.store.completeChunk(holderOf(one!, "n1"), "[1]", LATER)).outcome).toBe("accepted");
      expect((await t.store.leaseChunks("n1", 5, LATER, window)).leases).toHaveLength(1);
    });

    test("a chunk that ran out on every node is not barred for good: each may take it again one lease length later", async () => {
      await t.newJob({ maxAttempts: 10 }, 1, true);
      await t.store.leaseChunks("n1", 1, T0);
      await t.store.requeueExpired(T0 + LEASE, 10);
      await t.store.leaseChunks("n2", 1, T0 + LEASE);
      await t.store.requeueExpired(T0 + 2 * LEASE, 10);
      // Just ran out on n2, and one lease length ago on n1: n1 may have it, n2 not yet.
      expect((await t.store.leaseChunks("n2", 1, T0 + 2 * LEASE)).leases).toHaveLength(0);
      const again = (await t.store.leaseChunks("n1", 1, T0 + 2 * LEASE)).leases;
      expect(again.map((l) => l.index)).toEqual([0]);
      expect((await t.store.completeChunk(holderOf(again[0]!, "n1"), "[1]", T0 + 2 * LEASE)).outcome).toBe("accepted");
    });
  });
}
