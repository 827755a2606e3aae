import { describe, expect, test } from "bun:test";
import type { LeaseOptions } from "@medusa/core";
import { holderOf, T0, type ContractContext } from "./chunk-store.fixtures.ts";

/** Part of the ChunkStore contract: `replicas: "auto"`, reputation and spot checks. */
export function adaptiveContract(t: ContractContext): void {
  const auto = (held = 8) => ({ replicas: "auto" as const, quorum: 2, credits: { price: 2, held, spent: 0 } });
  /** Trusted after 2 agreeing results; draws of 0.5 pass a 10% spot check, draws of 0.05 do not. */
  const trusting = (draw: number): LeaseOptions => ({ trustAfter: 2, spotCheckRate: 0.1, random: () => draw });
  const settled = async (jobId: string) =>
    (await t.store.pendingSettlements(1000))
      .filter((s) => s.jobId === jobId)
      .map((s) => (s.kind === "payout" ? `payout ${s.nodeId} ${s.key.split(":")[2]}` : `refund ${s.amount}`))
      .sort();

  /** Gives each node `times` agreeing, validated results (one replicated job each time). */
  async function agreeTimes(times: number, nodes: string[]) {
    for (let i = 0; i < times; i++) {
      await t.newJob({ replicas: nodes.length, quorum: nodes.length }, 1, true);
      const leases = [];
      for (const n of nodes) leases.push({ n, lease: (await t.store.leaseChunks(n, 1, T0)).leases[0]! });
      for (const { n, lease } of leases) await t.store.completeChunk(holderOf(lease, n), "[0]", T0);
    }
  }

  describe("adaptive replication", () => {
    test("a node without a record needs a second, agreeing result; both are paid at once", async () => {
      const j = await t.newJob(auto(4), 1, true);
      expect(await t.job(j.id)).toMatchObject({ replicas: "auto", quorum: 2 });
      const a = (await t.store.leaseChunks("n1", 1, T0, trusting(0.5))).leases[0]!;
      const b = (await t.store.leaseChunks("n2", 1, T0, trusting(0.5))).leases[0]!;
      expect([a.index, b.index]).toEqual([0, 0]);
      expect((await t.store.completeChunk(holderOf(a, "n1"), "[0]", T0)).outcome).toBe("pending");
      expect((await t.store.completeChunk(holderOf(b, "n2"), "[0]", T0)).outcome).toBe("accepted");
      expect(await settled(j.id)).toEqual([`payout n1 0`, `payout n2 0`]);
      expect((await t.store.reputations(["n1"])).n1).toMatchObject({ agreed: 1, disagreed: 0, streak: 1 });
    });

    test("a trusted node runs a chunk alone; it is not validated, and its payout waits for the job's end", async () => {
      await agreeTimes(2, ["n1", "n2"]);
      const j = await t.newJob(auto(), 2, true);
      const solo = (await t.store.leaseChunks("n1", 1, T0, trusting(0.5))).leases[0]!;
      const other = (await t.store.leaseChunks("n3", 5, T0, trusting(0.5))).leases;
      expect(other.map((l) => l.index)).toEqual([1]);
      const alone = await t.store.completeChunk(holderOf(solo, "n1"), "[0]", T0);
      expect(alone.outcome).toBe("accepted");
      expect(alone.events.map((e) => e.event)).toEqual([
        { id: 7, type: "chunk", index: 0, task: "map", nodeId: "n1", chunks: { total: 2, done: 1, running: 1, failed: 0 } },
      ]);
      expect(await settled(j.id)).toEqual([]);
      expect((await t.job(j.id)).credits.spent).toBe(0);
      expect((await t.store.reputations(["n1"])).n1).toMatchObject({ agreed: 2, disagreed: 0, streak: 2 });
      const pair = (await t.store.leaseChunks("n4", 1, T0)).leases[0]!;
      await t.store.completeChunk(holderOf(other[0]!, "n3"), "[1]", T0);
      await t.store.completeChunk(holderOf(pair, "n4"), "[1]", T0);
      expect((await t.job(j.id)).state).toBe("done");
      expect(await settled(j.id)).toEqual(["payout n1 0", "payout n3 1", "payout n4 1", "refund 2"]);
      expect((await t.job(j.id)).credits.spent).toBe(6);
    });

    test("a spot check replicates a trusted node's chunk", async () => {
      await agreeTimes(2, ["n1", "n2"]);
      const j = await t.newJob(auto(), 1, true);
      expect((await t.store.leaseChunks("n1", 1, T0, trusting(0.05))).leases).toHaveLength(1);
      expect((await t.store.leaseChunks("n2", 1, T0, trusting(0.5))).leases[0]?.jobId).toBe(j.id);
    });

    test("a node caught disagreeing loses its streak and what it was owed for the job; the agreeing nodes are paid", async () => {
      await agreeTimes(2, ["n1", "n2"]);
      const j = await t.newJob(auto(), 2, true);
      const solo = (await t.store.leaseChunks("n1", 1, T0, trusting(0.5))).leases[0]!;
      expect((await t.store.completeChunk(holderOf(solo, "n1"), "[0]", T0)).outcome).toBe("accepted");
      const checked = (await t.store.leaseChunks("n1", 1, T0, trusting(0.05))).leases[0]!;
      const witness = (await t.store.leaseChunks("n2", 1, T0, trusting(0.5))).leases[0]!;
      expect([checked.index, witness.index]).toEqual([1, 1]);
      expect((await t.store.completeChunk(holderOf(checked, "n1"), "[666]", T0)).outcome).toBe("pending");
      expect((await t.store.completeChunk(holderOf(witness, "n2"), "[1]", T0)).outcome).toBe("pending");
      const third = (await t.store.leaseChunks("n3", 1, T0)).leases[0]!;
      const caught = await t.store.completeChunk(holderOf(third, "n3"), "[1]", T0);
      expect(caught).toMatchObject({ outcome: "accepted", disagreed: ["n1"] });
      expect((await t.store.reputations(["n1", "n2"])).n1).toMatchObject({ agreed: 2, disagreed: 1, streak: 0 });
      expect((await t.job(j.id)).state).toBe("done");
      expect(await settled(j.id)).toEqual(["payout n2 1", "payout n3 1", "refund 4"]);
    });

    test("a failed attempt or an expired lease resets the streak, not the record", async () => {
      await agreeTimes(2, ["n1", "n2"]);
      await t.newJob(auto(), 2, true);
      const a = (await t.store.leaseChunks("n1", 1, T0, trusting(0.5))).leases[0]!;
      await t.store.failChunk(holderOf(a, "n1"), { message: "oops" }, T0);
      const b = (await t.store.leaseChunks("n2", 1, T0 + 5, trusting(0.5))).leases[0]!;
      await t.store.requeueExpired(b.expiresAt, 10);
      expect(await t.store.reputations(["n1", "n2"])).toMatchObject({
        n1: { agreed: 2, disagreed: 0, streak: 0 },
        n2: { agreed: 2, disagreed: 0, streak: 0 },
      });
    });

    test("a chunk a trusted node dropped, leased next by a node without a record, wants a second result", async () => {
      await agreeTimes(2, ["n1", "n2"]);
      const j = await t.newJob(auto(), 1, true);
      const solo = (await t.store.leaseChunks("n1", 1, T0, trusting(0.5))).leases[0]!;
      await t.store.releaseNode("n1", T0);
      expect((await t.store.leaseChunks("n3", 1, T0, trusting(0.5))).leases[0]?.index).toBe(solo.index);
      const second = (await t.store.leaseChunks("n2", 1, T0, trusting(0.5))).leases[0];
      expect(second?.jobId).toBe(j.id);
    });
  });
}
