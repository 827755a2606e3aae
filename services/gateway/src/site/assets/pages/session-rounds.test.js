import { describe, expect, test } from "bun:test";
import { roundDriver } from "./round-driver.js";
import { roundRunner } from "./session-rounds.js";

/** A runner over a k-means driver with two centroids, recording what it sends and reports. */
function setup({ lastRound = 0, up = true } = {}) {
  let t = 0;
  const sent = [];
  const records = [];
  const notes = [];
  const idle = [];
  const socket = { up };
  const driver = roundDriver({ kind: "kmeans", centroids: [[0, 0], [10, 10]] });
  const runner = roundRunner({
    driver,
    lastRound,
    now: () => t,
    send: (frame) => socket.up && (sent.push(frame), true),
    on: { record: (r) => records.push(r), note: (text, kind) => notes.push({ text, kind }), idle: (run) => idle.push(run) },
  });
  return { runner, driver, sent, records, notes, idle, socket, tick: (ms) => (t += ms) };
}

// Two partitions: points (1,1) and (9,9) on one, (11,11) on the other.
const partials = [
  [[1, 9], [1, 9], [1, 1], 4],
  [[0, 11], [0, 11], [0, 1], 2],
];

describe("the session page's round loop", () => {
  test("runs N rounds one at a time, folding each answer into the next round's params", () => {
    const s = setup();
    s.runner.event({ type: "ready", partitions: 2, rounds: 0 });
    s.runner.run(2);
    expect(s.sent).toEqual([{ round: 1, params: { centroids: [[0, 0], [10, 10]] } }]);
    s.tick(12);
    s.runner.event({ type: "round", round: 1, partials, ms: 9.5 });
    expect(s.records).toEqual([{ round: 1, value: 2, ms: 9.5, rtt: 12 }]);
    expect(s.sent[1]).toEqual({ round: 2, params: { centroids: [[1, 1], [10, 10]] } });
    s.runner.event({ type: "round", round: 2, partials, ms: 3 });
    expect(s.sent).toHaveLength(2);
    expect(s.idle).toHaveLength(1);
    expect(s.idle[0]).toMatchObject({ asked: 2, done: 2, reason: undefined });
    expect(s.runner.running).toBe(false);
    expect(s.runner.lastRound).toBe(2);
  });

  test("nothing goes out before ready, nor while the socket is down; the next ready sends it", () => {
    const s = setup({ up: false });
    s.runner.run(1);
    expect(s.sent).toEqual([]);
    s.runner.event({ type: "ready", partitions: 2, rounds: 0 });
    expect(s.sent).toEqual([]);
    s.socket.up = true;
    s.runner.disconnected();
    s.runner.event({ type: "ready", partitions: 2, rounds: 0 });
    expect(s.sent.map((f) => f.round)).toEqual([1]);
  });

  test("a round answered after a reconnect is still charted; one answered while away is reported lost", () => {
    const s = setup();
    s.runner.event({ type: "ready", partitions: 2, rounds: 0 });
    s.runner.run(3);
    s.runner.disconnected();
    // Back before the answer: the round is still in flight on the gateway.
    s.runner.event({ type: "ready", partitions: 2, rounds: 0 });
    expect(s.sent).toHaveLength(1);
    s.runner.event({ type: "round", round: 1, partials, ms: 4 });
    expect(s.records.map((r) => r.round)).toEqual([1]);
    // Round 2 answered while the page was away.
    s.runner.disconnected();
    s.runner.event({ type: "ready", partitions: 2, rounds: 2 });
    expect(s.notes.at(-1)).toMatchObject({ kind: "lost" });
    expect(s.notes.at(-1).text).toContain("Round 2 was answered while the connection was down");
    expect(s.sent.at(-1).round).toBe(3);
    s.runner.event({ type: "round", round: 2, partials, ms: 1 });
    expect(s.records).toHaveLength(1);
  });

  test("an error for the round in flight stops the run with its reason; replacements are noted", () => {
    const s = setup();
    s.runner.event({ type: "ready", partitions: 2, rounds: 0 });
    s.runner.run(5);
    s.runner.event({ type: "replaced", partition: 1, nodeId: "nd_2" });
    expect(s.notes[0]).toEqual({ kind: "replaced", text: "Partition 1 moved to node nd_2: its setup runs again there, and a round in flight is retried." });
    s.runner.event({ type: "error", round: 1, code: "conflict", message: "the session's credits are spent" });
    expect(s.idle[0]).toMatchObject({ asked: 5, done: 0, reason: "the session's credits are spent" });
    expect(s.sent).toHaveLength(1);
  });

  test("partials that are not k-means's stop the run and are not charted as a value", () => {
    const s = setup();
    s.runner.event({ type: "ready", partitions: 1, rounds: 0 });
    s.runner.run(3);
    s.runner.event({ type: "round", round: 1, partials: [7], ms: 1 });
    expect(s.records[0]).toMatchObject({ round: 1, value: null });
    expect(s.idle[0].reason).toContain("k-means program");
    expect(s.sent).toHaveLength(1);
  });

  test("stop lets the round in flight finish and sends no more; an ended session takes no run", () => {
    const s = setup();
    s.runner.event({ type: "ready", partitions: 2, rounds: 0 });
    s.runner.run(4);
    s.runner.stop();
    s.runner.event({ type: "round", round: 1, partials, ms: 1 });
    expect(s.sent).toHaveLength(1);
    expect(s.idle[0]).toMatchObject({ asked: 4, done: 1 });
    s.runner.event({ type: "ended", state: "ended", reason: "ended by its owner" });
    s.runner.run(1);
    expect(s.sent).toHaveLength(1);
    expect(s.notes.at(-1)).toEqual({ kind: "ended", text: "Session ended: ended by its owner" });
  });

  test("the fixed driver sends the same params and charts the sum of numeric partials", () => {
    const fixed = roundDriver({ kind: "fixed", params: { k: 2 } });
    expect(fixed.params()).toEqual({ k: 2 });
    expect(fixed.absorb([1, 2, 3.5])).toBe(6.5);
    expect(fixed.absorb([1, "two"])).toBeNull();
    expect(fixed.params()).toEqual({ k: 2 });
  });
});
