import { afterEach, describe, expect, test } from "bun:test";
import { NodeAgent, type ChunkRunner } from "./agent.ts";
import { chunk, HeldPool, ofType, PROGRAM, wanted } from "../../test/held-pool.ts";
import { TestGateway } from "@medusa/testing/node-gateway";

let gateway: TestGateway;
let agent: NodeAgent | undefined;
const lines: string[] = [];
/** Flow control is tested with batching off: these chunks finish as fast as the test says, which would count as tiny. */
function startAgent(pool: ChunkRunner, slots: number, extra: { graceMs?: number; token?: string; tinyChunkMs?: number } = {}) {
  lines.length = 0;
  agent = new NodeAgent({
    url: gateway.url,
    token: extra.token ?? gateway.token,
    slots,
    pool,
    version: "test",
    graceMs: extra.graceMs,
    tinyChunkMs: extra.tinyChunkMs ?? 0,
    backoff: { initialMs: 20, maxMs: 100 },
    log: (line) => lines.push(line),
  }).start();
  return agent;
}

afterEach(async () => {
  await agent?.stop({ graceMs: 0 });
  agent = undefined;
  gateway.stop();
});

describe("NodeAgent against a real WebSocket server", () => {
  test("says hello, asks for 2 × slots, and learns its node id", async () => {
    gateway = new TestGateway();
    const a = startAgent(new HeldPool(), 3);
    const conn = await gateway.until("hello and want", () => gateway.conns[0]?.received.length === 2 && gateway.conns[0]);
    expect(conn.received).toEqual([
      { v: 1, type: "hello", slots: 3, sandbox: "process", runtimes: ["python", "wasi"], version: "test" },
      { v: 1, type: "want", n: 6 },
    ]);
    conn.send({ type: "welcome", nodeId: "n-42" });
    await gateway.until("welcome handled", () => a.status().nodeId === "n-42");
    expect(a.status()).toMatchObject({ connected: true, running: 0, queued: 0 });
    expect(lines).toContain("[node] connected as n-42");
  });

  test("runs a chunk with its job's program and reports result or error with the lease token", async () => {
    gateway = new TestGateway();
    const pool = new HeldPool();
    startAgent(pool, 2);
    const conn = await gateway.until("connection", () => gateway.conns[0]);
    conn.send({ type: "job", jobId: "j1", program: PROGRAM, timeoutMs: 5000 });
    conn.send(chunk("j1", 0, [1, 2, 3]));
    conn.send(chunk("j1", 1, [4]));
    await gateway.until("two runs", () => pool.calls.length === 2);
    expect(pool.calls.map((c) => [c.jobId, c.items])).toEqual([["j1", [1, 2, 3]], ["j1", [4]]]);
    pool.calls[0]!.finish({ ok: true, results: [2, 4, 6] });
    pool.calls[1]!.finish({ ok: false, error: { message: "ValueError: bad item", itemIndex: 0 } });
    await gateway.until("both reports", () => ofType(conn, "result").length + ofType(conn, "error").length === 2);
    expect(ofType(conn, "result")).toEqual([{ v: 1, type: "result", jobId: "j1", index: 0, token: "tok-j1-0", results: [2, 4, 6] }]);
    expect(ofType(conn, "error")).toEqual([
      { v: 1, type: "error", jobId: "j1", index: 1, token: "tok-j1-1", error: { message: "ValueError: bad item", itemIndex: 0 } },
    ]);
    expect(lines.some((l) => /^\[node\] chunk j1#0 done in \d+ ms$/.test(l))).toBe(true);
    expect(agent!.status()).toMatchObject({ chunksDone: 1, chunksFailed: 1, running: 0 });
  });

  test("a chunk for a job it never got a program for is failed, not held", async () => {
    gateway = new TestGateway();
    startAgent(new HeldPool(), 1);
    const conn = await gateway.until("connection", () => gateway.conns[0]);
    conn.send(chunk("ghost", 0));
    const [err] = await gateway.until("error", () => ofType(conn, "error").length === 1 && ofType(conn, "error"));
    expect(err).toMatchObject({ jobId: "ghost", index: 0, token: "tok-ghost-0" });
    expect(err!.error.message).toContain("no program");
  });

  test("never holds more than 2 × slots: running + queued + asked-for", async () => {
    gateway = new TestGateway();
    const pool = new HeldPool();
    const slots = 2;
    startAgent(pool, slots);
    const conn = await gateway.until("first want", () => gateway.conns[0] && wanted(gateway.conns[0]) > 0 && gateway.conns[0]);
    conn.send({ type: "job", jobId: "j", program: PROGRAM, timeoutMs: 5000 });
    let sent = 0;
    const reported = () => ofType(conn, "result").length;
    // The gateway hands out exactly the credit it was given, as fast as it can.
    const feed = () => {
      while (sent < wanted(conn) && sent < 12) conn.send(chunk("j", sent++));
    };
    for (let finished = 0; finished < 12; finished++) {
      feed();
      await gateway.until("a chunk running", () => pool.calls.length > finished);
      // Held = credit granted minus chunks reported; it must stay within 2 × slots.
      expect(wanted(conn) - reported()).toBeLessThanOrEqual(2 * slots);
      expect(pool.busy).toBeLessThanOrEqual(slots);
      pool.calls[finished]!.finish({ ok: true, results: [finished] });
      await gateway.until("result", () => reported() === finished + 1);
    }
    await gateway.until("topped up after the last result", () => wanted(conn) - reported() === 2 * slots);
    expect(wanted(conn) - reported()).toBe(2 * slots);
    expect(ofType(conn, "want").every((m) => m.n >= 1 && m.n <= 2 * slots)).toBe(true);
  });

  test("cancel drops the job's queued chunks, tells the pool, and never reports the job again", async () => {
    gateway = new TestGateway();
    const pool = new HeldPool();
    startAgent(pool, 1);
    const conn = await gateway.until("connection", () => gateway.conns[0]);
    conn.send({ type: "job", jobId: "a", program: PROGRAM, timeoutMs: 5000 });
    conn.send({ type: "job", jobId: "b", program: PROGRAM, timeoutMs: 5000 });
    conn.send(chunk("a", 0));
    conn.send(chunk("a", 1));
    await gateway.until("a#0 running, a#1 queued", () => agent!.status().queued === 1 && pool.calls.length === 1);
    const wantsBefore = wanted(conn);
    conn.send({ type: "cancel", jobId: "a" });
    conn.send(chunk("b", 0));
    await gateway.until("dropJob", () => pool.dropped.includes("a"));
    expect(agent!.status().queued).toBe(1);
    pool.calls[0]!.finish({ ok: false, error: { message: "killed" } });
    await gateway.until("b#0 running", () => pool.calls.length === 2);
    expect(pool.calls[1]!.jobId).toBe("b");
    pool.calls[1]!.finish({ ok: true, results: [0] });
    await gateway.until("b#0 reported", () => ofType(conn, "result").length === 1);
    expect(conn.received.filter((m) => "jobId" in m && m.jobId === "a")).toEqual([]);
    expect(wanted(conn)).toBeGreaterThan(wantsBefore);
  });

  test("ignores bad frames and carries on", async () => {
    gateway = new TestGateway();
    const a = startAgent(new HeldPool(), 1);
    const conn = await gateway.until("connection", () => gateway.conns[0]);
    conn.sendRaw("not json");
    conn.sendRaw(JSON.stringify({ v: 1, type: "chunk", chunk: { jobId: 5 } }));
    conn.sendRaw(JSON.stringify({ v: 2, type: "welcome", nodeId: "future" }));
    conn.send({ type: "welcome", nodeId: "n-1" });
    await gateway.until("welcome", () => a.status().nodeId === "n-1");
    expect(lines.filter((l) => l.startsWith("[node] ignored"))).toHaveLength(3);
    expect(a.status()).toMatchObject({ connected: true, queued: 0, running: 0 });
  });

  test("a frame of another protocol version is logged as such and dropped, however good its shape", async () => {
    gateway = new TestGateway();
    const pool = new HeldPool();
    const a = startAgent(pool, 1);
    const conn = await gateway.until("connection", () => gateway.conns[0]);
    conn.sendRaw(JSON.stringify({ v: 2, type: "job", jobId: "j", program: PROGRAM, timeoutMs: 5000 }));
    conn.sendRaw(JSON.stringify({ v: 2, type: "chunk", chunk: { jobId: "j", index: 0, token: "t", task: "map", items: [1] } }));
    conn.send({ type: "welcome", nodeId: "n-1" });
    await gateway.until("welcome", () => a.status().nodeId === "n-1");
    expect(lines.filter((l) => l.startsWith("[node] ignored"))).toEqual([
      "[node] ignored a frame: protocol version 2 is not understood here (this node speaks 1)",
      "[node] ignored a frame: protocol version 2 is not understood here (this node speaks 1)",
    ]);
    expect(pool.calls).toEqual([]);
    expect(a.status()).toMatchObject({ queued: 0, running: 0 });
  });

  test("reconnects after the gateway closes the socket, drops the queue and discards stale results", async () => {
    gateway = new TestGateway();
    const pool = new HeldPool();
    const a = startAgent(pool, 1);
    const first = await gateway.until("connection", () => gateway.conns[0]);
    first.send({ type: "job", jobId: "j", program: PROGRAM, timeoutMs: 5000 });
    first.send(chunk("j", 0));
    first.send(chunk("j", 1));
    await gateway.until("one running, one queued", () => a.status().running === 1 && a.status().queued === 1);
    first.close();
    const second = await gateway.until("second hello", () => gateway.conns[1]?.received[0]?.type === "hello" && gateway.conns[1]);
    expect(a.status()).toMatchObject({ connected: true, queued: 0, running: 1 });
    // The old chunk still fills the only slot, so the node asks for one (prefetch) only.
    await gateway.until("want", () => wanted(second) === 1);
    pool.calls[0]!.finish({ ok: true, results: [0] });
    await gateway.until("discard logged", () => lines.some((l) => l.includes("j#0") && l.includes("result discarded")));
    expect(second.received.filter((m) => m.type === "result")).toEqual([]);
    expect(first.received.filter((m) => m.type === "result")).toEqual([]);
    await gateway.until("topped up", () => wanted(second) === 2);
    expect(lines.some((l) => /disconnected from http:\/\/127\.0\.0\.1:\d+ \(1001 test closes\), dropped 1 queued chunk\(s\); retrying in \d+ ms/.test(l))).toBe(true);
  });

  test("keeps retrying when the gateway refuses the token", async () => {
    gateway = new TestGateway();
    startAgent(new HeldPool(), 1, { token: "wrong" });
    await gateway.until("three failed dials", () => lines.filter((l) => l.includes("could not connect")).length >= 3);
    expect(gateway.conns).toHaveLength(0);
  });

  test("stop() lets a running chunk finish and report, then closes socket and pool", async () => {
    gateway = new TestGateway();
    const pool = new HeldPool();
    const a = startAgent(pool, 1);
    const conn = await gateway.until("connection", () => gateway.conns[0]);
    conn.send({ type: "job", jobId: "j", program: PROGRAM, timeoutMs: 5000 });
    conn.send(chunk("j", 0));
    conn.send(chunk("j", 1));
    await gateway.until("running, and want received", () => a.status().running === 1 && wanted(conn) === 2);
    const wantsBefore = ofType(conn, "want").length;
    const stopped = a.stop();
    await Bun.sleep(30);
    expect(conn.closed).toBe(false);
    expect(pool.closed).toBe(false);
    pool.calls[0]!.finish({ ok: true, results: [42] });
    await stopped;
    await gateway.until("socket closed", () => conn.closed);
    expect(ofType(conn, "result")).toEqual([{ v: 1, type: "result", jobId: "j", index: 0, token: "tok-j-0", results: [42] }]);
    expect(ofType(conn, "want")).toHaveLength(wantsBefore);
    expect(pool.calls).toHaveLength(1);
    expect(pool.closed).toBe(true);
    expect(a.status()).toMatchObject({ connected: false, stopping: true });
    await Bun.sleep(150);
    expect(gateway.conns).toHaveLength(1);
  });

  test("stop() gives up on a chunk that outlives the grace period", async () => {
    gateway = new TestGateway();
    const pool = new HeldPool();
    const a = startAgent(pool, 1, { graceMs: 50 });
    const conn = await gateway.until("connection", () => gateway.conns[0]);
    conn.send({ type: "job", jobId: "j", program: PROGRAM, timeoutMs: 5000 });
    conn.send(chunk("j", 0));
    await gateway.until("running", () => a.status().running === 1);
    await a.stop();
    expect(pool.closed).toBe(true);
    await gateway.until("socket closed", () => conn.closed);
    expect(ofType(conn, "result")).toEqual([]);
  });
});
