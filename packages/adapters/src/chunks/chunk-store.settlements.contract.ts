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
  });
}
