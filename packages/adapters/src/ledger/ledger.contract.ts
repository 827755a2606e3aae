import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { escrowAccount, MINT, type LedgerStore, type NewEntry } from "@medusa/core";
import { ledgerProperty } from "./ledger.property.ts";

/**
 * The behaviour every LedgerStore adapter must share. `make` returns a fresh,
 * empty ledger for each test; the contract closes it afterwards.
 */
export function ledgerStoreContract(name: string, make: () => Promise<LedgerStore>) {
  describe(`LedgerStore contract: ${name}`, () => {
    let ledger: LedgerStore;
    beforeEach(async () => {
      ledger = await make();
    });
    afterEach(async () => {
      await ledger.close();
    });

    let at = 1_000;
    const entry = (key: string, reason: NewEntry["reason"], from: string, to: string, amount: number, extra: Partial<NewEntry> = {}): NewEntry => ({
      key,
      reason,
      from,
      to,
      amount,
      at: at++,
      ...extra,
    });
    const grant = (acc: string, amount: number) => entry(`grant:${acc}`, "grant", MINT, acc, amount);
    const hold = (acc: string, job: string, amount: number) => entry(`hold:${job}`, "hold", acc, escrowAccount(job), amount, { jobId: job });
    const payout = (job: string, node: string, owner: string, amount: number, index = 0) =>
      entry(`payout:${job}:${index}:${node}`, "payout", escrowAccount(job), owner, amount, { jobId: job, nodeId: node });
    const refund = (job: string, owner: string, amount: number) => entry(`refund:${job}`, "refund", escrowAccount(job), owner, amount, { jobId: job });

    test("a grant creates credits out of the mint; its key applies once", async () => {
      expect(await ledger.apply([grant("ada", 100)])).toEqual(["applied"]);
      expect(await ledger.apply([grant("ada", 100)])).toEqual(["duplicate"]);
      expect(await ledger.balance("ada")).toBe(100);
      expect(await ledger.totals()).toEqual({ granted: 100, accounts: 100, escrow: 0 });
    });

    test("a hold larger than the balance is refused and moves nothing", async () => {
      await ledger.apply([grant("ada", 10)]);
      expect(await ledger.apply([hold("ada", "j1", 11)])).toEqual(["insufficient"]);
      expect(await ledger.balance("ada")).toBe(10);
      expect(await ledger.held("ada")).toBe(0);
      expect((await ledger.entriesOf("ada", { limit: 10 })).map((e) => e.key)).toEqual(["grant:ada"]);
      // The refused key stays free: the same hold may succeed once funds arrive.
      await ledger.apply([entry("grant:ada:2", "grant", MINT, "ada", 5)]);
      expect(await ledger.apply([hold("ada", "j1", 11)])).toEqual(["applied"]);
    });

    test("hold, payouts and refund: escrow drains to zero and every side adds up", async () => {
      await ledger.apply([grant("ada", 100), grant("vol", 0)]);
      await ledger.apply([hold("ada", "j1", 30)]);
      expect(await ledger.balance("ada")).toBe(70);
      expect(await ledger.held("ada")).toBe(30);
      const outcomes = await ledger.apply([payout("j1", "n1", "vol", 5, 0), payout("j1", "n1", "vol", 5, 0), payout("j1", "n2", "vol", 5, 1)]);
      expect(outcomes).toEqual(["applied", "duplicate", "applied"]);
      await ledger.apply([refund("j1", "ada", 20)]);
      expect(await ledger.balance("ada")).toBe(90);
      expect(await ledger.held("ada")).toBe(0);
      expect(await ledger.balance("vol")).toBe(10);
      expect(await ledger.balance(escrowAccount("j1"))).toBe(0);
      expect(await ledger.totals()).toEqual({ granted: 100, accounts: 100, escrow: 0 });
      const earned = await ledger.earnings(["n1", "n2", "n3"]);
      expect(earned.get("n1")).toEqual({ chunks: 1, credits: 5 });
      expect(earned.get("n2")).toEqual({ chunks: 1, credits: 5 });
      expect(earned.has("n3")).toBe(false);
    });

    test("an amount that is not a whole number of credits is refused before anything is written", async () => {
      await expect(ledger.apply([grant("ada", 1.5)])).rejects.toThrow("is not a whole number of credits");
      await expect(ledger.apply([grant("ada", Number.NaN)])).rejects.toThrow("is not a whole number of credits");
      expect(await ledger.totals()).toEqual({ granted: 0, accounts: 0, escrow: 0 });
    });

    test("an escrow cannot pay out more than it holds", async () => {
      await ledger.apply([grant("ada", 10), hold("ada", "j1", 4)]);
      expect(await ledger.apply([payout("j1", "n1", "vol", 5)])).toEqual(["insufficient"]);
      expect(await ledger.balance("vol")).toBe(0);
      expect(await ledger.balance(escrowAccount("j1"))).toBe(4);
    });

    test("an account's history: its own entries and its escrows', newest first, paged, nobody else's", async () => {
      await ledger.apply([grant("ada", 100), grant("bob", 100), hold("ada", "j1", 10), hold("bob", "j2", 10)]);
      await ledger.apply([payout("j1", "n1", "vol", 3), refund("j1", "ada", 7)]);
      const page1 = await ledger.entriesOf("ada", { limit: 2 });
      expect(page1.map((e) => e.key)).toEqual(["refund:j1", "payout:j1:0:n1"]);
      const page2 = await ledger.entriesOf("ada", { limit: 10, before: page1[1]!.seq });
      expect(page2.map((e) => e.key)).toEqual(["hold:j1", "grant:ada"]);
      expect(page1[1]).toMatchObject({ reason: "payout", from: escrowAccount("j1"), to: "vol", amount: 3, jobId: "j1", nodeId: "n1" });
      expect((await ledger.entriesOf("vol", { limit: 10 })).map((e) => e.key)).toEqual(["payout:j1:0:n1"]);
      expect((await ledger.entriesOf("bob", { limit: 10 })).map((e) => e.key)).toEqual(["hold:j2", "grant:bob"]);
    });

    test("open escrows: those still holding credits whose hold is old enough, paged in job id order", async () => {
      await ledger.apply([grant("ada", 100), grant("bob", 100)]);
      await ledger.apply([hold("ada", "j1", 10), hold("bob", "j2", 6), hold("ada", "j3", 5), hold("ada", "j4", 3)]);
      await ledger.apply([payout("j1", "n1", "vol", 4), refund("j3", "ada", 5)]);
      const j4At = (await ledger.entriesOf("ada", { limit: 10 })).find((e) => e.key === "hold:j4")!.at;
      // j3 is drained; j4 was held at the cut, which is not before it.
      const all = await ledger.openEscrows({ heldBefore: j4At, limit: 100 });
      expect(all).toEqual({
        escrows: [
          { jobId: "j1", owner: "ada", amount: 6, heldAt: expect.any(Number) },
          { jobId: "j2", owner: "bob", amount: 6, heldAt: expect.any(Number) },
        ],
        next: null,
      });
      const first = await ledger.openEscrows({ heldBefore: j4At + 1, limit: 2 });
      expect(first.escrows.map((e) => e.jobId)).toEqual(["j1", "j2"]);
      expect(first.next).toBe("j2");
      const second = await ledger.openEscrows({ heldBefore: j4At + 1, limit: 2, after: first.next! });
      expect(second.escrows.map((e) => e.jobId)).toEqual(["j4"]);
      expect(second.next).toBe("j4");
      expect(await ledger.openEscrows({ heldBefore: j4At + 1, limit: 2, after: second.next! })).toEqual({ escrows: [], next: null });
    });

    test("the same key applied concurrently lands once", async () => {
      await ledger.apply([grant("ada", 100), hold("ada", "j1", 50)]);
      const outcomes = (await Promise.all(Array.from({ length: 8 }, () => ledger.apply([payout("j1", "n1", "vol", 5)])))).flat();
      expect(outcomes.filter((o) => o === "applied")).toHaveLength(1);
      expect(await ledger.balance("vol")).toBe(5);
    });

    test("concurrent holds never overdraw an account", async () => {
      await ledger.apply([grant("ada", 10)]);
      const outcomes = (await Promise.all(Array.from({ length: 6 }, (_, i) => ledger.apply([hold("ada", `j${i}`, 4)])))).flat();
      expect(outcomes.filter((o) => o === "applied")).toHaveLength(2);
      expect(await ledger.balance("ada")).toBe(2);
      expect(await ledger.held("ada")).toBe(8);
    });

    test("property: random concurrent sign-ups, holds, payouts, duplicates and refunds keep the books", async () => {
      await ledgerProperty(make);
    }, 120_000);
  });
}
