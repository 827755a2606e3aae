import { describe, expect, test } from "bun:test";
import type { MedusaError, SessionEvent, SessionRecord } from "@medusa/core";
import type { RoundChannel } from "./session-access.ts";
import { runRound } from "./session-round.ts";

/** A session as a client's round sees it through the store and the bus, driven by hand. */
function fakeSession(state: SessionRecord["state"] = "ready") {
  const listeners = new Set<(e: SessionEvent) => void>();
  const sent: Array<{ round: number; host: string }> = [];
  const record = { state, rounds: 0, host: "gw-a", hostUntil: Date.now() + 60_000 } as SessionRecord;
  let refuse: string | null = null;
  const channel: RoundChannel = {
    listen: (l) => (listeners.add(l), () => listeners.delete(l)),
    send: async (round) => {
      if (refuse) return { refused: refuse, host: record.host };
      sent.push({ round, host: record.host });
      return { refused: null, host: record.host };
    },
    record: async () => structuredClone(record),
  };
  return {
    channel,
    record,
    sent,
    listeners,
    refuse: (why: string) => void (refuse = why),
    emit: (e: SessionEvent) => [...listeners].forEach((l) => l(e)),
  };
}

const error = (p: Promise<unknown>) => p.then(() => null, (e: MedusaError) => [e.code, e.message]);
const never = () => new AbortController().signal;

describe("a round over HTTP", () => {
  test("sent while the session sets up, it goes out once ready and settles with the round", async () => {
    const s = fakeSession("starting");
    const answer = runRound(s.channel, 1, { k: 2 }, never());
    await Bun.sleep(10);
    expect(s.sent).toEqual([]);
    s.emit({ type: "ready", partitions: 2, rounds: 0 });
    await Bun.sleep(10);
    expect(s.sent).toEqual([{ round: 1, host: "gw-a" }]);
    s.emit({ type: "round", round: 1, partials: ["a", "b"], ms: 3 });
    expect(await answer).toEqual({ round: 1, partials: ["a", "b"], ms: 3 });
    expect(s.listeners.size).toBe(0);
  });

  test("the last round asked again is answered from the store, not run again", async () => {
    const s = fakeSession();
    Object.assign(s.record, { rounds: 3, last: { round: 3, partials: [1], ms: 2 } });
    expect(await runRound(s.channel, 3, null, never())).toEqual({ round: 3, partials: [1], ms: 2 });
    expect(s.sent).toEqual([]);
  });

  test("its host dies with the round in flight: sent again to the host that took over, answered once", async () => {
    const s = fakeSession();
    const answer = runRound(s.channel, 1, null, never());
    await Bun.sleep(10);
    Object.assign(s.record, { host: "gw-b" });
    await Bun.sleep(1_100);
    expect(s.sent).toEqual([{ round: 1, host: "gw-a" }, { round: 1, host: "gw-b" }]);
    s.emit({ type: "round", round: 1, partials: [7], ms: 1 });
    expect(await answer).toEqual({ round: 1, partials: [7], ms: 1 });
  });

  test("the round recorded but its event lost with the host: answered from the store", async () => {
    const s = fakeSession();
    const answer = runRound(s.channel, 1, null, never());
    await Bun.sleep(10);
    Object.assign(s.record, { rounds: 1, last: { round: 1, partials: [5], ms: 4 } });
    expect(await answer).toEqual({ round: 1, partials: [5], ms: 4 });
  });

  test("a refused round, a session that ends mid-round, and one already over are 409 saying why", async () => {
    const s = fakeSession();
    s.refuse("the next round is 1, not 3");
    expect(await error(runRound(s.channel, 3, null, never()))).toEqual(["conflict", "the next round is 1, not 3"]);
    const t = fakeSession();
    const pending = runRound(t.channel, 1, null, never());
    await Bun.sleep(10);
    t.emit({ type: "ended", state: "failed", reason: "node a: MemoryError" });
    expect(await error(pending)).toEqual(["conflict", "the session has failed: node a: MemoryError"]);
    const over = fakeSession("failed");
    Object.assign(over.record, { error: "node a: MemoryError" });
    expect(await error(runRound(over.channel, 2, null, never()))).toEqual(["conflict", "the session has failed: node a: MemoryError"]);
    expect([s, t, over].map((x) => x.listeners.size)).toEqual([0, 0, 0]);
  });

  test("a client that goes away stops listening", async () => {
    const s = fakeSession();
    const abort = new AbortController();
    const pending = runRound(s.channel, 1, null, abort.signal);
    abort.abort();
    expect(await error(pending)).toEqual(["bad_request", "the client went away"]);
    expect(s.listeners.size).toBe(0);
  });
});
