import { describe, expect, test } from "bun:test";
import { SessionSpec, type SessionEvent, type SessionWrite } from "@medusa/core";
import { Session, type SessionNode, type SessionPorts } from "./session.ts";

/** The session state machine against recording nodes: what it sends, what it accepts, what it pays. */
class RecordingNode implements SessionNode {
  readonly sent: any[] = [];
  readonly connection: string;
  constructor(readonly nodeId: string) {
    this.connection = `${nodeId}-socket`;
  }
  send(message: any) {
    this.sent.push(message);
  }
  of(type: string) {
    return this.sent.filter((m) => m.type === type);
  }
}

function world(opts: { nodes: string[]; partitions: number; held?: number; price?: number; timeoutMs?: number; idleTimeoutMs?: number; write?: SessionWrite }) {
  const nodes = new Map(opts.nodes.map((id) => [id, new RecordingNode(id)]));
  const paid: string[] = [];
  const ended: Session[] = [];
  const lost: Session[] = [];
  const placements: unknown[] = [];
  const ports: SessionPorts = {
    pickNodes: (count, exclude) => [...nodes.values()].filter((n) => !exclude.has(n.nodeId)).slice(0, count),
    send: (holder, m) => nodes.get(holder.nodeId)?.send(m),
    placed: (placement) => void placements.push(placement),
    completed: async (result, holders) => {
      if ((opts.write ?? "ok") === "ok") holders.forEach((n, p) => paid.push(`${result.round}:${p}:${n}`));
      return opts.write ?? "ok";
    },
    ended: (s) => void ended.push(s),
    lost: (s) => void lost.push(s),
  };
  const spec = SessionSpec.parse({
    program: { runtime: "python", source: "def setup(items):\n    return items\ndef step(state, params):\n    return len(state)\n" },
    input: { items: [] },
    partitions: opts.partitions,
    timeoutMs: opts.timeoutMs ?? 5_000,
    idleTimeoutMs: opts.idleTimeoutMs ?? 60_000,
  });
  const parts = Array.from({ length: opts.partitions }, (_, p) => [p, p]);
  const session = new Session("ses_1", "acc_1", spec, parts, opts.price ?? 1, opts.held ?? 1000, ports);
  const events: SessionEvent[] = [];
  session.clients.add((e) => void events.push(e));
  session.start();
  return { session, nodes, paid, ended, lost, placements, events, node: (id: string) => nodes.get(id)! };
}

const partials = (ps: number[], f = (p: number) => p * 10) => ps.map((partition) => ({ partition, value: f(partition) }));

describe("session", () => {
  test("spreads partitions over nodes, is ready once every node set up, and answers a round in partition order once it is recorded", async () => {
    const w = world({ nodes: ["a", "b"], partitions: 3 });
    expect(w.node("a").of("session_open")[0].partitions.map((p: any) => p.partition)).toEqual([0, 2]);
    expect(w.node("b").of("session_open")[0].partitions).toEqual([{ partition: 1, items: [1, 1] }]);
    expect(w.session.request(1, {}, false)).toBe("the session is still starting: wait for its ready event");
    w.session.onReady("a", [0, 2]);
    expect(w.session.state).toBe("starting");
    w.session.onReady("b", [1]);
    expect(w.events).toEqual([{ type: "ready", partitions: 3, rounds: 0 }]);

    expect(w.session.request(2, {}, false)).toBe("the next round is 1, not 2");
    expect(w.session.request(1, { k: 1 }, false)).toBeNull();
    expect(w.session.request(2, {}, false)).toBe("round 1 is still running");
    expect(w.node("a").of("session_round")).toEqual([{ type: "session_round", sessionId: "ses_1", round: 1, params: { k: 1 }, partitions: [0, 2] }]);
    w.session.onPartials("a", 1, partials([0, 2]));
    w.session.onPartials("a", 1, partials([1], () => 666)); // not a's partition
    w.session.onPartials("a", 1, partials([0], () => 777)); // a second answer
    w.session.onPartials("b", 1, partials([1]));
    expect(w.events.filter((e) => e.type === "round")).toEqual([]);
    await Bun.sleep(0);
    expect(w.events.at(-1)).toMatchObject({ type: "round", round: 1, partials: [0, 10, 20] });
    expect(w.paid).toEqual(["1:0:a", "1:1:b", "1:2:a"]);
    expect(w.session.status()).toMatchObject({ rounds: 1, credits: { held: 997, spent: 3 } });
    expect(w.placements.at(-1)).toEqual([{ nodeId: "a", connection: "a-socket" }, { nodeId: "b", connection: "b-socket" }, { nodeId: "a", connection: "a-socket" }]);
  });

  test("a node lost mid-round: its partitions are set up elsewhere, then owe only that round, and it completes once", async () => {
    const w = world({ nodes: ["a", "b"], partitions: 2 });
    w.session.onReady("a", [0]);
    w.session.onReady("b", [1]);
    w.session.request(1, "p", true);
    w.session.onPartials("b", 1, partials([1]));
    w.session.nodeLost("a");
    expect(w.events.filter((e) => e.type === "replaced")).toEqual([{ type: "replaced", partition: 0, nodeId: "b" }]);
    expect(w.node("b").of("session_open").at(-1).partitions).toEqual([{ partition: 0, items: [0, 0] }]);
    w.session.onPartials("a", 1, partials([0], () => 999)); // the dead node's late answer
    expect(w.node("b").of("session_round")).toHaveLength(1);
    w.session.onReady("b", [0]);
    expect(w.node("b").of("session_round").at(-1)).toEqual({ type: "session_round", sessionId: "ses_1", round: 1, params: "p", partitions: [0] });
    w.session.onPartials("b", 1, partials([0]));
    await Bun.sleep(0);
    expect(w.events.filter((e) => e.type === "round")).toEqual([{ type: "round", round: 1, partials: [0, 10], ms: expect.any(Number) }]);
    expect(w.events.filter((e) => e.type === "partial").map((e: any) => e.partition)).toEqual([1, 0]);
    expect(w.paid).toEqual(["1:0:b", "1:1:b"]);
  });

  test("with no node left to hold a partition the session fails and settles", () => {
    const w = world({ nodes: ["a"], partitions: 1 });
    w.session.onReady("a", [0]);
    w.session.nodeLost("a");
    expect(w.session.state).toBe("failed");
    expect(w.session.error).toBe("no node that runs Python sessions is connected to hold partition 0");
    expect(w.ended).toHaveLength(1);
  });

  test("a round that would overspend the escrow ends the session instead", async () => {
    const w = world({ nodes: ["a"], partitions: 2, held: 5, price: 2 });
    w.session.onReady("a", [0, 1]);
    w.session.request(1, null, false);
    w.session.onPartials("a", 1, partials([0, 1]));
    await Bun.sleep(0);
    expect(w.session.request(2, null, false)).toBe("the session's credits are spent");
    expect(w.session.status()).toMatchObject({ state: "ended", credits: { held: 0, spent: 4 } });
    expect(w.node("a").of("session_close")).toHaveLength(1);
    expect(w.ended).toHaveLength(1);
  });

  test("a round the store refuses to this host (another took over) is dropped here: not announced, not ended, nodes left alone", async () => {
    const w = world({ nodes: ["a"], partitions: 1, write: "not_host" });
    w.session.onReady("a", [0]);
    w.session.request(1, null, false);
    w.session.onPartials("a", 1, partials([0]));
    await Bun.sleep(0);
    expect(w.events.map((e) => e.type)).toEqual(["ready"]);
    expect(w.lost).toHaveLength(1);
    expect(w.ended).toHaveLength(0);
    expect(w.node("a").of("session_close")).toHaveLength(0);
  });

  test("taken over: partitions whose node is gone are placed again, the rest keep their node, and rounds go on from the last one", async () => {
    const w = world({ nodes: ["a", "b"], partitions: 1 });
    const spec = w.session.spec;
    const nodes = w.nodes;
    const events: SessionEvent[] = [];
    const ports: SessionPorts = {
      pickNodes: (count) => [nodes.get("b")!].slice(0, count),
      send: (holder, m) => nodes.get(holder.nodeId)?.send(m),
      placed: () => {},
      completed: async () => "ok",
      ended: () => {},
      lost: () => {},
    };
    const s = new Session("ses_2", "acc_1", spec, [[1], [2]], 1, 100, ports);
    s.clients.add((e) => void events.push(e));
    s.resume({ state: "ready", rounds: 4, spent: 8, createdAt: 0, placement: [{ nodeId: "a", connection: "a-socket" }, null], idleMs: 60_000 });
    expect(nodes.get("b")!.of("session_open").at(-1)).toMatchObject({ sessionId: "ses_2", partitions: [{ partition: 1, items: [2] }] });
    expect(s.request(4, null, false)).toBe("the next round is 5, not 4");
    expect(s.request(5, "x", false)).toBeNull();
    expect(nodes.get("a")!.of("session_round").at(-1)).toEqual({ type: "session_round", sessionId: "ses_2", round: 5, params: "x", partitions: [0] });
    s.onReady("b", [1]);
    s.onPartials("a", 5, partials([0]));
    s.onPartials("b", 5, partials([1]));
    await Bun.sleep(0);
    expect(events.filter((e) => e.type === "round")).toEqual([{ type: "round", round: 5, partials: [0, 10], ms: expect.any(Number) }]);
    expect(s.status()).toMatchObject({ rounds: 5, credits: { spent: 10 } });
    s.end("done");
  });

  test("a node's error fails the session; a slow setup and an idle session time out", async () => {
    const failing = world({ nodes: ["a"], partitions: 1 });
    failing.session.onReady("a", [0]);
    failing.session.onNodeError("a", "node a: ZeroDivisionError: division by zero (line 4)");
    expect(failing.session.status()).toMatchObject({ state: "failed", error: "node a: ZeroDivisionError: division by zero (line 4)" });

    const slow = world({ nodes: ["a"], partitions: 1, timeoutMs: 100 });
    const idle = world({ nodes: ["a"], partitions: 1, idleTimeoutMs: 1000 });
    idle.session.onReady("a", [0]);
    await Bun.sleep(1100);
    expect(slow.session.status()).toMatchObject({ state: "failed", error: "setup took longer than 100 ms" });
    expect(idle.events.at(-1)).toEqual({ type: "ended", state: "ended", reason: "idle for 1000 ms" });
  });
});
