import { afterEach, describe, expect, test } from "bun:test";
import type { NodeChunk } from "@medusa/core";
import { NodeAgent, type ChunkOutcome, type ChunkRunner } from "./agent.ts";
import { BATCH_LIMITS, ChunkPace, splitResults } from "./batching.ts";
import { chunk, ofType, PROGRAM, wanted } from "../../test/held-pool.ts";
import { TestGateway } from "@medusa/testing/node-gateway";

const c = (jobId: string, index: number, items: unknown[] = [index], task: "map" | "reduce" = "map"): NodeChunk => ({ jobId, index, token: `t${index}`, task, items });

describe("ChunkPace", () => {
  test("a job's first chunk runs alone; once fast, queued chunks of that job (maps only) join it, others stay queued", () => {
    const pace = new ChunkPace();
    const queue = [c("a", 1), c("b", 0), c("a", 2), c("a", 3, [3], "reduce")];
    expect(pace.takeBatch(c("a", 0), queue, 60_000).map((x) => x.index)).toEqual([0]);
    expect(pace.windowPerSlot()).toBe(2);
    pace.record("a", 1, 0.5);
    expect(pace.windowPerSlot()).toBe(BATCH_LIMITS.fastWindowPerSlot);
    expect(pace.takeBatch(c("a", 0), queue, 60_000).map((x) => `${x.jobId}${x.index}`)).toEqual(["a0", "a1", "a2"]);
    expect(queue.map((x) => `${x.jobId}${x.index}`)).toEqual(["b0", "a3"]);
  });

  test("a slow job, a tight timeout and the item cap all limit a batch", () => {
    const pace = new ChunkPace();
    pace.record("slow", 1, 50);
    expect(pace.takeBatch(c("slow", 0), [c("slow", 1)], 60_000)).toHaveLength(1);
    expect(pace.windowPerSlot()).toBe(2);
    pace.record("tight", 1, 10);
    // 100 ms timeout / 4 / 10 ms per chunk: at most 2 chunks in one call.
    expect(pace.takeBatch(c("tight", 0), [c("tight", 1), c("tight", 2), c("tight", 3)], 100)).toHaveLength(2);
    pace.record("big", 1, 1);
    const big = new Array(BATCH_LIMITS.maxItems - 1).fill(0);
    expect(pace.takeBatch(c("big", 0), [c("big", 1, big), c("big", 2, [1, 2])], 60_000).map((x) => x.index)).toEqual([0, 1]);
    expect(new ChunkPace(0).takeBatch(c("a", 0), [c("a", 1)], 60_000)).toHaveLength(1);
  });

  test("results split back per chunk, or not at all when the count is off", () => {
    expect(splitResults([c("a", 0, [1, 2]), c("a", 1, [3])], [10, 20, 30])).toEqual([[10, 20], [30]]);
    expect(splitResults([c("a", 0, [1, 2])], [10])).toBeNull();
    expect(splitResults([c("a", 0, [1])], "nope")).toBeNull();
  });
});

/** Doubles each item in 3 ms (tiny, but long enough for chunks to queue); "boom" fails the call at its index. */
class DoublingPool implements ChunkRunner {
  readonly calls: unknown[][] = [];
  async run(_job: unknown, chunk: { items: unknown[] }): Promise<ChunkOutcome> {
    this.calls.push(chunk.items);
    await Bun.sleep(3);
    const bad = chunk.items.indexOf("boom");
    if (bad >= 0) return { ok: false, error: { message: "ValueError: boom", itemIndex: bad } };
    return { ok: true, results: chunk.items.map((x) => (x as number) * 2) };
  }
  dropJob() {}
  async close() {}
}

describe("NodeAgent with tiny chunks", () => {
  let gateway: TestGateway;
  let agent: NodeAgent;
  afterEach(async () => {
    await agent.stop({ graceMs: 0 });
    gateway.stop();
  });

  test("fetches ahead in bulk, runs queued chunks in one call, and reports each chunk's own results; a failing batch is rerun chunk by chunk", async () => {
    gateway = new TestGateway();
    const pool = new DoublingPool();
    agent = new NodeAgent({ url: gateway.url, token: gateway.token, slots: 1, pool, version: "test", log: () => {} }).start();
    const conn = await gateway.until("connection", () => gateway.conns[0] && wanted(gateway.conns[0]) > 0 && gateway.conns[0]);
    conn.send({ type: "job", jobId: "j", program: PROGRAM, timeoutMs: 5000 });
    conn.send(chunk("j", 0));
    await gateway.until("first result", () => ofType(conn, "result").length === 1);
    await gateway.until("a larger window", () => wanted(conn) > 2);

    for (let i = 1; i <= 10; i++) conn.send(chunk("j", i, [i, i + 100]));
    await gateway.until("all results", () => ofType(conn, "result").length === 11);
    expect(pool.calls.length).toBeLessThan(11);
    for (const r of ofType(conn, "result").slice(1)) expect(r.results).toEqual([r.index * 2, (r.index + 100) * 2]);

    const before = pool.calls.length;
    conn.send(chunk("j", 20, [1]));
    conn.send(chunk("j", 21, ["boom"]));
    conn.send(chunk("j", 22, [3]));
    await gateway.until("three more outcomes", () => ofType(conn, "result").length + ofType(conn, "error").length === 14);
    expect(ofType(conn, "error").map((e) => [e.index, e.error])).toEqual([[21, { message: "ValueError: boom", itemIndex: 0 }]]);
    expect(ofType(conn, "result").slice(-2).map((r) => [r.index, r.results])).toEqual([[20, [2]], [22, [6]]]);
    expect(pool.calls.length - before).toBeGreaterThanOrEqual(3);
  });

  test("what it holds, a batch counted as its chunks, never passes the gateway's maxChunks: every want is answered", async () => {
    gateway = new TestGateway();
    agent = new NodeAgent({ url: gateway.url, token: gateway.token, slots: 1, pool: new DoublingPool(), version: "test", log: () => {} }).start();
    const conn = await gateway.until("connection", () => gateway.conns[0] && wanted(gateway.conns[0]) > 0 && gateway.conns[0]);
    conn.send({ type: "welcome", nodeId: "n-1", maxChunks: 5 });
    conn.send({ type: "job", jobId: "j", program: PROGRAM, timeoutMs: 5000 });
    const reported = () => ofType(conn, "result").length;
    let sent = 0;
    while (reported() < 60) {
      while (sent < wanted(conn)) conn.send(chunk("j", sent++, [sent]));
      const before = reported();
      await gateway.until("more results", () => reported() > before);
      // Asked for and not yet reported: what the gateway counts as held.
      expect(wanted(conn) - reported()).toBeLessThanOrEqual(5);
    }
  });
});

