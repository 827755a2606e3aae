import { describe, expect, test } from "bun:test";
import type { Settlement } from "@medusa/core";
import { holderOf, T0, type ContractContext } from "./chunk-store.fixtures.ts";

/** Part of the ChunkStore contract: the settlement outbox (payouts and refunds). */
export function settlementsContract(t: ContractContext): void {
  const priced = (held: number, price = 2) => ({ credits: { price, held, spent: 0 } });
  const pendingOf = async (jobId: string) =>
    (await t.store.pendingSettlements(1000)).filter((s) => s.jobId === jobId).sort((a, b) => a.key.localeCompare(b.key));

  describe("settlements", () => {
    test("an accepted result records its node's payout and counts it as spent; the finished job refunds the rest", async () => {
      const j = await t.newJob(priced(10), 2, true);
      const { leases } = await t.store.leaseChunks("n1", 2, T0);
      await t.store.completeChunk(holderOf(leases[0]!, "n1"), "[0]", T0);
      expect((await t.job(j.id)).credits).toEqual({ price: 2, held: 10, spent: 2 });
      await t.store.completeChunk(holderOf(leases[1]!, "n1"), "[1]", T0);
      expect((await t.job(j.id)).credits.spent).toBe(4);
      const expected: Settlement[] = [
        { v: 1, kind: "payout", key: `payout:${j.id}:0:n1`, jobId: j.id, nodeId: "n1", amount: 2 },
        { v: 1, kind: "payout", key: `payout:${j.id}:1:n1`, jobId: j.id, nodeId: "n1", amount: 2 },
        { v: 1, kind: "refund", key: `refund:${j.id}`, jobId: j.id, owner: "acct_1", amount: 6 },
      ];
      expect(await pendingOf(j.id)).toEqual(expected);
    });

    test("a stale or late result earns nothing", async () => {
      const j = await t.newJob(priced(10), 2);
      const { leases } = await t.store.leaseChunks("n1", 2, T0);
      await t.store.completeChunk({ ...holderOf(leases[0]!, "n1"), token: "lease_forged" }, "[]", T0);
      await t.store.completeChunk(holderOf(leases[0]!, "n2"), "[]", T0);
      await t.store.cancelJob(j.id, T0 + 1);
      expect((await t.store.completeChunk(holderOf(leases[1]!, "n1"), "[]", T0 + 2)).outcome).toBe("job_final");
      expect((await t.job(j.id)).credits.spent).toBe(0);
      expect(await pendingOf(j.id)).toEqual([{ v: 1, kind: "refund", key: `refund:${j.id}`, jobId: j.id, owner: "acct_1", amount: 10 }]);
    });

    test("a failed attempt earns nothing; a job failed by its chunks refunds everything not spent", async () => {
      const j = await t.newJob({ ...priced(9, 3), maxAttempts: 1 }, 2, true);
      const { leases } = await t.store.leaseChunks("n1", 2, T0);
      await t.store.completeChunk(holderOf(leases[0]!, "n1"), "[0]", T0);
      await t.store.failChunk(holderOf(leases[1]!, "n1"), { message: "boom" }, T0);
      expect((await t.job(j.id)).state).toBe("failed");
      expect((await pendingOf(j.id)).map((s) => [s.kind, s.amount])).toEqual([
        ["payout", 3],
        ["refund", 6],
      ]);
    });

    test("a free job records nothing, and an exact budget leaves no refund", async () => {
      const free = await t.newJob(priced(0, 0), 1, true);
      const exact = await t.newJob(priced(2, 2), 1, true);
      const { leases } = await t.store.leaseChunks("n1", 2, T0);
      for (const l of leases) await t.store.completeChunk(holderOf(l, "n1"), "[]", T0);
      expect(await pendingOf(free.id)).toEqual([]);
      expect((await pendingOf(exact.id)).map((s) => s.kind)).toEqual(["payout"]);
    });

    test("acknowledged settlements are forgotten; stopping a final job records no second refund", async () => {
      const j = await t.newJob(priced(5), 1);
      await t.store.cancelJob(j.id, T0);
      const [refund] = await pendingOf(j.id);
      await t.store.ackSettlements([refund!.key]);
      expect(await pendingOf(j.id)).toEqual([]);
      await t.store.failJob(j.id, "late", T0 + 1);
      expect(await pendingOf(j.id)).toEqual([]);
    });

    test("a claimed batch is the claimer's alone until its lease runs out; acknowledged entries never come back", async () => {
      for (let i = 0; i < 3; i++) await t.store.cancelJob((await t.newJob(priced(5), 1)).id, T0);
      const first = await t.store.claimSettlements(2, T0, 1000);
      const second = await t.store.claimSettlements(10, T0 + 1, 1000);
      expect(first).toHaveLength(2);
      expect(second).toHaveLength(1);
      expect(new Set([...first, ...second].map((s) => s.key)).size).toBe(3);
      expect(await t.store.claimSettlements(10, T0 + 999, 1000)).toEqual([]);
      // The first claimer acknowledges one and dies; the other runs out and is claimed again.
      await t.store.ackSettlements([first[0]!.key]);
      const again = await t.store.claimSettlements(10, T0 + 1000, 1000);
      expect(again.map((s) => s.key)).toEqual([first[1]!.key]);
      await t.store.ackSettlements([...again, ...second].map((s) => s.key));
      expect(await t.store.claimSettlements(10, T0 + 60_000, 1000)).toEqual([]);
      expect(await t.store.pendingSettlements(10)).toEqual([]);
    });
  });
}
