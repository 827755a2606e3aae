import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import type { ChunkStore, SessionRecord, SessionStore } from "@medusa/core";

export interface SessionFixture {
  sessions: SessionStore;
  /** The chunk store sharing the outbox: what the scheduler forwards from. */
  chunks: ChunkStore;
  /** A second store on the same data, as another scheduler replica opens it. */
  reopen(): Promise<SessionStore>;
  close(): Promise<void>;
}

const T0 = 1_000_000;
/** A ready two-partition session hosted by gw-a; `over` changes what a test needs. */
export const sessionRecord = (over: Partial<SessionRecord> = {}): SessionRecord => ({
  id: "ses_1",
  owner: "acct_1",
  name: "s",
  program: { runtime: "python", source: "def setup(items): return items\ndef step(state, params): return 1\n" },
  timeoutMs: 5_000,
  idleTimeoutMs: 60_000,
  partitions: 2,
  price: 3,
  held: 12,
  spent: 0,
  state: "ready",
  rounds: 0,
  placement: [{ nodeId: "n1", connection: "c1" }, { nodeId: "n2", connection: "c2" }],
  host: "gw-a",
  hostUntil: T0 + 3_000,
  createdAt: T0,
  activeAt: T0,
  ...over,
});
const round = (n: number) => ({ round: n, partials: [n, n * 10], ms: 1 });

/** The session store's rules, run against each adapter (see session-transitions.ts). */
export function sessionStoreContract(name: string, open: () => Promise<SessionFixture>) {
  describe(`session store contract: ${name}`, () => {
    let f: SessionFixture;
    beforeEach(async () => {
      f = await open();
      await f.sessions.createSession(sessionRecord());
    });
    afterEach(async () => f.close());

    test("a created session reads back whole; a second create of the id changes nothing", async () => {
      await f.sessions.createSession(sessionRecord({ owner: "someone else" }));
      expect(await f.sessions.getSession("ses_1")).toEqual(sessionRecord());
      expect(await f.sessions.getSession("ses_nope")).toBeNull();
    });

    test("hosting is a lease: refused to another gateway while it holds, taken once it lapses, renewed by its holder", async () => {
      expect(await f.sessions.hostSession("ses_1", "gw-b", T0 + 1_000, 3_000)).toBeNull();
      expect((await f.sessions.hostSession("ses_1", "gw-a", T0 + 1_000, 3_000))?.hostUntil).toBe(T0 + 4_000);
      expect(await f.sessions.orphanSessions(T0 + 3_999, 10)).toEqual([]);
      expect(await f.sessions.orphanSessions(T0 + 4_001, 10)).toEqual(["ses_1"]);
      const taken = await f.sessions.hostSession("ses_1", "gw-b", T0 + 4_001, 3_000);
      expect(taken).toMatchObject({ host: "gw-b", hostUntil: T0 + 7_001 });
      expect(await f.sessions.placeSession("ses_1", "gw-a", [null, null])).toBe("not_host");
      expect(await f.sessions.completeRound("ses_1", "gw-a", round(1), ["n1", "n2"], T0)).toBe("not_host");
      expect(await f.sessions.placeSession("ses_1", "gw-b", [null, { nodeId: "n3", connection: "c3" }])).toBe("ok");
      expect((await f.sessions.getSession("ses_1"))?.placement).toEqual([null, { nodeId: "n3", connection: "c3" }]);
      await f.sessions.createSession(sessionRecord({ id: "ses_2", state: "starting" }));
      expect(await f.sessions.placeSession("ses_2", "gw-a", [null, null], true)).toBe("ok");
      expect((await f.sessions.getSession("ses_2"))?.state).toBe("ready");
    });

    test("a round is taken once, in order, pays each node once for its partitions through the outbox, and stops at the escrow", async () => {
      expect(await f.sessions.completeRound("ses_1", "gw-a", round(2), ["n1", "n2"], T0)).toBe("stale");
      expect(await f.sessions.completeRound("ses_1", "gw-a", round(1), ["n1", "n2"], T0 + 5)).toBe("ok");
      expect(await f.sessions.completeRound("ses_1", "gw-a", round(1), ["n1", "n2"], T0 + 6)).toBe("stale");
      expect(await f.sessions.completeRound("ses_1", "gw-a", round(2), ["n3", "n3"], T0 + 7)).toBe("ok");
      expect(await f.sessions.completeRound("ses_1", "gw-a", round(3), ["n1", "n2"], T0 + 8)).toBe("spent");
      expect(await f.sessions.getSession("ses_1")).toMatchObject({ rounds: 2, spent: 12, last: round(2), activeAt: T0 + 7 });
      const claimed = await f.chunks.claimSettlements(100, T0, 10_000);
      expect(claimed.map((s) => [s.key, s.kind, s.kind === "payout" && s.nodeId, s.amount]).sort()).toEqual([
        ["payout:ses_1:round-1:n1", "payout", "n1", 3],
        ["payout:ses_1:round-1:n2", "payout", "n2", 3],
        ["payout:ses_1:round-2:n3", "payout", "n3", 6],
      ]);
    });

    test("a round replayed after it was taken (a retry, a second host) pays nothing again and leaves the record as it was", async () => {
      expect(await f.sessions.completeRound("ses_1", "gw-a", round(1), ["n1", "n2"], T0 + 5)).toBe("ok");
      const once = await f.chunks.claimSettlements(100, T0, 10_000);
      await f.chunks.ackSettlements(once.map((s) => s.key));
      expect(await f.sessions.completeRound("ses_1", "gw-a", { ...round(1), partials: ["again"] }, ["n1", "n2"], T0 + 9)).toBe("stale");
      expect(await f.sessions.completeRound("ses_1", "gw-b", round(2), ["n1", "n2"], T0 + 9)).toBe("not_host");
      expect(await f.chunks.claimSettlements(100, T0 + 20_000, 10_000)).toEqual([]);
      expect(await f.sessions.getSession("ses_1")).toEqual(sessionRecord({ rounds: 1, spent: 6, last: round(1), activeAt: T0 + 5 }));
    });

    test("after a round, the whole record reads the same through another connection (another gateway's scheduler)", async () => {
      expect(await f.sessions.completeRound("ses_1", "gw-a", round(1), ["n1", "n2"], T0 + 5)).toBe("ok");
      const other = await f.reopen();
      try {
        expect(await other.getSession("ses_1")).toEqual(sessionRecord({ rounds: 1, spent: 6, last: round(1), activeAt: T0 + 5 }));
        expect((await other.hostSession("ses_1", "gw-b", T0 + 3_001, 3_000))?.rounds).toBe(1);
        expect(await other.completeRound("ses_1", "gw-b", round(2), ["n1", "n2"], T0 + 3_002)).toBe("ok");
        expect(await f.sessions.getSession("ses_1")).toMatchObject({ host: "gw-b", rounds: 2, spent: 12, last: round(2), activeAt: T0 + 3_002 });
      } finally {
        await other.close();
      }
    });

    test("ending refunds held − spent once, whoever ends it, and takes the session out of the orphans", async () => {
      expect(await f.sessions.completeRound("ses_1", "gw-a", round(1), ["n1", "n2"], T0)).toBe("ok");
      expect(await f.sessions.endSession("ses_1", "failed", "boom", T0)).toMatchObject({ state: "failed", error: "boom" });
      expect(await f.sessions.endSession("ses_1", "ended", "again", T0)).toMatchObject({ state: "failed", error: "boom" });
      expect(await f.sessions.completeRound("ses_1", "gw-a", round(2), ["n1", "n2"], T0)).toBe("final");
      expect(await f.sessions.hostSession("ses_1", "gw-a", T0, 3_000)).toBeNull();
      expect(await f.sessions.orphanSessions(T0 + 60_000, 10)).toEqual([]);
      const refunds = (await f.chunks.claimSettlements(100, T0, 10_000)).filter((s) => s.kind === "refund");
      expect(refunds).toEqual([{ v: 1, kind: "refund", key: "refund:ses_1", jobId: "ses_1", owner: "acct_1", amount: 6 }]);
      expect(await f.sessions.endSession("ses_nope", "ended", "x", T0)).toBeNull();
    });

    test("an end racing a round refunds exactly what the round left: the books add up to the escrow", async () => {
      for (let i = 0; i < 10; i++) await f.sessions.createSession(sessionRecord({ id: `ses_race_${i}` }));
      const outcomes = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          Promise.all([f.sessions.endSession(`ses_race_${i}`, "ended", "race", T0), f.sessions.completeRound(`ses_race_${i}`, "gw-a", round(1), ["n1", "n2"], T0)]),
        ),
      );
      const settled = await f.chunks.claimSettlements(1_000, T0, 10_000);
      for (let i = 0; i < 10; i++) {
        const id = `ses_race_${i}`;
        const paid = settled.filter((s) => s.jobId === id).reduce((sum, s) => sum + s.amount, 0);
        expect(paid).toBe(12);
        expect(outcomes[i]![1] === "ok").toBe(settled.some((s) => s.jobId === id && s.kind === "payout"));
      }
    });

    test("two hosts racing for one round: exactly one write takes it", async () => {
      const results = await Promise.all(Array.from({ length: 8 }, () => f.sessions.completeRound("ses_1", "gw-a", round(1), ["n1", "n2"], T0)));
      expect(results.filter((r) => r === "ok")).toHaveLength(1);
      expect((await f.sessions.getSession("ses_1"))?.spent).toBe(6);
    });
  });
}
