import { describe, expect, test } from "bun:test";
import { MedusaError, SessionSpec } from "@medusa/core";
import { Session, type SessionNode, type SessionPorts } from "./session.ts";
import { runRound } from "./session-round.ts";

/** One session on one recording node, to drive a round over HTTP's path by hand. */
function oneNode() {
  const sent: any[] = [];
  const node: SessionNode = { nodeId: "a", send: (m) => void sent.push(m) };
  const ports: SessionPorts = { pickNodes: () => [node], node: () => node, paid: () => {}, ended: () => {} };
  const spec = SessionSpec.parse({
    program: { runtime: "python", source: "def setup(items):\n    return items\ndef step(state, params):\n    return len(state)\n" },
    input: { items: [] },
    partitions: 2,
    timeoutMs: 5_000,
  });
  const session = new Session("ses_1", "acc_1", spec, [[1], [2]], 1, 1000, ports);
  session.start();
  return { session, rounds: () => sent.filter((m) => m.type === "session_round") };
}

const error = (p: Promise<unknown>) => p.then(() => null, (e: MedusaError) => [e.code, e.message]);

describe("a round over HTTP", () => {
  test("sent while the session sets up, it goes out once ready and settles with the round", async () => {
    const w = oneNode();
    const answer = runRound(w.session, 1, { k: 2 }, new AbortController().signal);
    expect(w.rounds()).toEqual([]);
    w.session.onReady("a", [0, 1]);
    expect(w.rounds()).toEqual([{ type: "session_round", sessionId: "ses_1", round: 1, params: { k: 2 }, partitions: [0, 1] }]);
    w.session.onPartials("a", 1, [{ partition: 1, value: "b" }, { partition: 0, value: "a" }]);
    expect(await answer).toEqual({ round: 1, partials: ["a", "b"], ms: expect.any(Number) });
    expect(w.session.clients.size).toBe(0);
  });

  test("a refused round, a session that ends mid-round, and one already over are 409 saying why", async () => {
    const w = oneNode();
    w.session.onReady("a", [0, 1]);
    expect(await error(runRound(w.session, 3, null, new AbortController().signal))).toEqual(["conflict", "the next round is 1, not 3"]);
    const pending = runRound(w.session, 1, null, new AbortController().signal);
    w.session.onNodeError("a", "node a: MemoryError");
    expect(await error(pending)).toEqual(["conflict", "the session has failed: node a: MemoryError"]);
    expect(await error(runRound(w.session, 2, null, new AbortController().signal))).toEqual(["conflict", "the session has failed: node a: MemoryError"]);
    expect(w.session.clients.size).toBe(0);
  });

  test("a client that goes away stops listening", async () => {
    const w = oneNode();
    w.session.onReady("a", [0, 1]);
    const abort = new AbortController();
    const pending = runRound(w.session, 1, null, abort.signal);
    abort.abort();
    expect(await error(pending)).toEqual(["bad_request", "the client went away"]);
    expect(w.session.clients.size).toBe(0);
  });
});
