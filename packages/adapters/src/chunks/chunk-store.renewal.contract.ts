import { describe, expect, test } from "bun:test";
import { leaseMsFor } from "@medusa/core";
import { holderOf, T0, type ContractContext } from "./chunk-store.fixtures.ts";

/** What the scheduler asks for: a short lease, renewed while the chunk runs. */
const SHORT = 2_000;
/** The fixtures' jobs time out after 1 s: no lease lasts longer than this after it was handed out. */
const CAP = leaseMsFor(1_000);

/**
 * Part of the ChunkStore contract: lease renewal (BullMQ's extendLock). A
 * lease handed out with `leaseMs` expires that soon unless renewed; renewing
 * needs the holder's token and a lease not yet expired, and never carries it
 * past leaseMsFor(timeoutMs) after it was handed out. So a slow chunk keeps
 * its lease and is paid once, while one nobody renews (its node or its
 * gateway died) is back in the queue after the short lease.
 */
export function renewalContract(t: ContractContext): void {
  describe("lease renewal", () => {
    test("a short lease expires unless renewed; renewed, a chunk running past it keeps it and is paid once", async () => {
      const j = await t.newJob({ credits: { price: 1, held: 10, spent: 0 } }, 2, true);
      const [slow, dead] = (await t.store.leaseChunks("n1", 1, T0, { leaseMs: SHORT })).leases.concat((await t.store.leaseChunks("n2", 1, T0, { leaseMs: SHORT })).leases);
      expect([slow!.expiresAt, dead!.expiresAt]).toEqual([T0 + SHORT, T0 + SHORT]);
      // n1 renews every second; n2 died and does not.
      for (let at = T0 + 1_000; at <= T0 + 5_000; at += 1_000) {
        expect(await t.store.renewLeases([holderOf(slow!, "n1")], at, SHORT)).toEqual({ renewed: 1 });
        await t.store.requeueExpired(at, 10);
      }
      expect((await t.job(j.id)).chunks).toMatchObject({ running: 1, failed: 1 });
      // The dead node's chunk went back at its short expiry and another node has it; the slow one did not.
      const again = (await t.store.leaseChunks("n3", 5, T0 + 5_000, { leaseMs: SHORT })).leases;
      expect(again.map((l) => l.index)).toEqual([dead!.index]);
      expect((await t.store.completeChunk(holderOf(slow!, "n1"), "[1]", T0 + 5_500)).outcome).toBe("accepted");
      expect((await t.store.completeChunk(holderOf(again[0]!, "n3"), "[1]", T0 + 5_500)).outcome).toBe("accepted");
      expect(await t.job(j.id)).toMatchObject({ state: "done", credits: { spent: 2 } });
      const payouts = (await t.store.pendingSettlements(100)).filter((s) => s.kind === "payout");
      expect(payouts.map((s) => s.nodeId).sort()).toEqual(["n1", "n3"]);
    });

    test("renewal never carries a lease past leaseMsFor(timeoutMs) after it was handed out", async () => {
      await t.newJob({}, 1, true);
      const [lease] = (await t.store.leaseChunks("n1", 1, T0, { leaseMs: SHORT })).leases;
      // Renewed every second, it reaches its cap and stays there.
      let renewed = 0;
      for (let at = T0 + 1_000; at < T0 + CAP; at += 1_000) renewed += (await t.store.renewLeases([holderOf(lease!, "n1")], at, SHORT)).renewed;
      // T0 + 1 s … T0 + 5 s moved it; by T0 + 6 s it already stood at its cap (T0 + 7 s).
      expect(renewed).toBe(5);
      expect(await t.store.renewLeases([holderOf(lease!, "n1")], T0 + CAP - 100, SHORT)).toEqual({ renewed: 0 });
      expect((await t.store.requeueExpired(T0 + CAP - 1, 10)).requeued).toBe(0);
      expect((await t.store.requeueExpired(T0 + CAP, 10)).requeued).toBe(1);
    });

    test("only the holder's token renews, only a live lease, only of an open job", async () => {
      const j = await t.newJob({}, 3, true);
      const leases = (await t.store.leaseChunks("n1", 3, T0, { leaseMs: SHORT })).leases;
      const [a, b, c] = leases.map((l) => holderOf(l, "n1"));
      expect(await t.store.renewLeases([{ ...a!, token: "lease_forged" }, { ...a!, nodeId: "n2" }], T0 + 1_000, SHORT)).toEqual({ renewed: 0 });
      // Expired, not yet swept: the sweep decides, renewing does not bring it back.
      expect(await t.store.renewLeases([b!], T0 + SHORT, SHORT)).toEqual({ renewed: 0 });
      expect(await t.store.renewLeases([c!], T0 + SHORT - 1, SHORT)).toEqual({ renewed: 1 });
      await t.store.cancelJob(j.id, T0 + SHORT);
      expect(await t.store.renewLeases([c!], T0 + SHORT + 1, SHORT)).toEqual({ renewed: 0 });
      expect(await t.store.renewLeases([], T0, SHORT)).toEqual({ renewed: 0 });
    });

    test("without leaseMs a lease lasts the whole leaseMsFor(timeoutMs), as before renewal", async () => {
      await t.newJob({}, 1, true);
      const [lease] = (await t.store.leaseChunks("n1", 1, T0)).leases;
      expect(lease!.expiresAt).toBe(T0 + CAP);
      expect(await t.store.renewLeases([holderOf(lease!, "n1")], T0 + 1_000, SHORT)).toEqual({ renewed: 0 });
    });
  });
}
