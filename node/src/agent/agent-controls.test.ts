import { afterEach, describe, expect, test } from "bun:test";
import { NodeAgent } from "./agent.ts";
import { chunk, HeldPool, ofType, PROGRAM, wanted } from "../../test/held-pool.ts";
import { TestGateway } from "@medusa/testing/node-gateway";

/** Pause, resume and the slot cap, applied to a live connection. */
let gateway: TestGateway;
let agent: NodeAgent | undefined;
const lines: string[] = [];

function startAgent(pool: HeldPool, slots: number, paused = false) {
  lines.length = 0;
  agent = new NodeAgent({ url: gateway.url, token: gateway.token, slots, pool, version: "test", paused, backoff: { initialMs: 20, maxMs: 100 }, log: (l) => lines.push(l) });
  return agent.start();
}

afterEach(async () => {
  await agent?.stop({ graceMs: 0 });
  agent = undefined;
  gateway.stop();
});

describe("NodeAgent controls", () => {
  test("pause lets the running chunk report, then reconnects to hand back the queue and the credit; resume asks again", async () => {
    gateway = new TestGateway();
    const pool = new HeldPool();
    const a = startAgent(pool, 1);
    const first = await gateway.until("want 2", () => gateway.conns[0] && wanted(gateway.conns[0]) === 2 && gateway.conns[0]);
    first.send({ type: "job", jobId: "j", program: PROGRAM, timeoutMs: 5000 });
    first.send(chunk("j", 0));
    first.send(chunk("j", 1));
    await gateway.until("one running, one queued", () => a.status().running === 1 && a.status().queued === 1);

    a.pause();
    expect(a.status()).toMatchObject({ paused: true, running: 1 });
    // While a chunk runs the connection stays, so its result still counts.
    await Bun.sleep(50);
    expect(gateway.conns).toHaveLength(1);
    pool.calls[0]!.finish({ ok: true, results: [0] });
    await gateway.until("result on the first socket", () => ofType(first, "result").length === 1);
    const second = await gateway.until("reconnected", () => (gateway.conns[1]?.received.length ?? 0) > 0 && gateway.conns[1]);
    await gateway.until("first socket closed", () => first.closed);
    expect(second.received).toEqual([{ v: 1, type: "hello", slots: 1, sandbox: "process", runtimes: ["python", "wasi"], version: "test" }]);
    expect(pool.calls).toHaveLength(1);
    expect(a.status()).toMatchObject({ connected: true, paused: true, running: 0, queued: 0 });

    // Paused, it asks for nothing even after a while.
    await Bun.sleep(100);
    expect(wanted(second)).toBe(0);

    a.resume();
    await gateway.until("want after resume", () => wanted(second) === 2);
    second.send({ type: "job", jobId: "j", program: PROGRAM, timeoutMs: 5000 });
    second.send(chunk("j", 1));
    await gateway.until("runs again", () => pool.calls.length === 2);
    expect(a.status().paused).toBe(false);
  });

  test("a chunk that arrives while paused waits, never runs, and goes back with the reconnect", async () => {
    gateway = new TestGateway();
    const pool = new HeldPool();
    const a = startAgent(pool, 1);
    const first = await gateway.until("want 2", () => gateway.conns[0] && wanted(gateway.conns[0]) === 2 && gateway.conns[0]);
    first.send({ type: "job", jobId: "j", program: PROGRAM, timeoutMs: 5000 });
    first.send(chunk("j", 0));
    await gateway.until("running", () => pool.busy === 1);
    a.pause();
    first.send(chunk("j", 1));
    await gateway.until("queued while paused", () => a.status().queued === 1);
    await Bun.sleep(30);
    expect(pool.calls).toHaveLength(1);
    pool.calls[0]!.finish({ ok: true, results: [0] });
    const second = await gateway.until("reconnected", () => (gateway.conns[1]?.received.length ?? 0) > 0 && gateway.conns[1]);
    expect(lines.some((l) => l.includes("handing back 1 queued chunk(s) and 0 unanswered request(s)"))).toBe(true);
    await Bun.sleep(50);
    expect(pool.calls).toHaveLength(1);
    expect(wanted(second)).toBe(0);
  });

  test("pausing with credit outstanding and nothing running reconnects at once", async () => {
    gateway = new TestGateway();
    const a = startAgent(new HeldPool(), 2);
    const first = await gateway.until("want 4", () => gateway.conns[0] && wanted(gateway.conns[0]) === 4 && gateway.conns[0]);
    a.pause();
    const second = await gateway.until("reconnected", () => (gateway.conns[1]?.received.length ?? 0) > 0 && gateway.conns[1]);
    await gateway.until("first closed", () => first.closed);
    expect(lines.some((l) => l.includes("handing back 0 queued chunk(s) and 4 unanswered request(s)"))).toBe(true);
    expect(second.received.map((m) => m.type)).toEqual(["hello"]);
  });

  test("starting paused connects but asks for nothing", async () => {
    gateway = new TestGateway();
    const a = startAgent(new HeldPool(), 1, true);
    const conn = await gateway.until("hello", () => (gateway.conns[0]?.received.length ?? 0) > 0 && gateway.conns[0]);
    await Bun.sleep(100);
    expect(conn.received.map((m) => m.type)).toEqual(["hello"]);
    expect(a.status()).toMatchObject({ connected: true, paused: true });
  });

  test("setSlots changes how many run at once and how much is asked for, and tells the gateway", async () => {
    gateway = new TestGateway();
    const pool = new HeldPool();
    const a = startAgent(pool, 1);
    const conn = await gateway.until("want 2", () => gateway.conns[0] && wanted(gateway.conns[0]) === 2 && gateway.conns[0]);
    conn.send({ type: "job", jobId: "j", program: PROGRAM, timeoutMs: 5000 });
    for (let i = 0; i < 2; i++) conn.send(chunk("j", i));
    await gateway.until("one running", () => pool.busy === 1 && a.status().queued === 1);

    a.setSlots(3);
    await gateway.until("both running", () => pool.busy === 2);
    await gateway.until("topped up to 6 held", () => wanted(conn) === 6);
    expect(ofType(conn, "hello").map((h) => h.slots)).toEqual([1, 3]);

    a.setSlots(1);
    for (let i = 2; i < 6; i++) conn.send(chunk("j", i));
    await gateway.until("queued", () => a.status().queued === 4);
    pool.calls[0]!.finish({ ok: true, results: [0] });
    pool.calls[1]!.finish({ ok: true, results: [1] });
    await gateway.until("the next one runs", () => pool.calls.length === 3);
    await Bun.sleep(30);
    expect(pool.busy).toBe(1);
    expect(a.status().slots).toBe(1);
    expect(() => a.setSlots(0)).toThrow("slots must be a whole number");
  });
});
