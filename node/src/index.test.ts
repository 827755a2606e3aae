import { afterAll, describe, expect, test } from "bun:test";
import type { NodeAgent } from "./agent/agent.ts";
import { TestGateway } from "@medusa/testing/node-gateway";
import { startNode } from "./index.ts";

/**
 * The whole node, end to end: startNode's real RunnerPool starts runner
 * processes (`bun main.ts runner python --pyodide-dir …`) and the agent
 * runs a real Python chunk for a real WebSocket server.
 */
describe("startNode with the real runner pool", () => {
  const gateway = new TestGateway("tok");
  let agent: NodeAgent | undefined;
  const lines: string[] = [];
  afterAll(async () => {
    await agent?.stop({ graceMs: 0 });
    gateway.stop();
  });

  test("runs a Python map chunk and a failing one, reporting each with its token", async () => {
    agent = await startNode({ gateway: gateway.url, token: "tok", slots: 1, warmPython: 1, log: (l) => lines.push(l) });
    const conn = await gateway.until("hello", () => gateway.conns[0]?.received.some((m) => m.type === "want") && gateway.conns[0]);
    expect(conn.received[0]).toMatchObject({ type: "hello", slots: 1, sandbox: "os-sandbox", runtimes: ["python", "wasi"] });
    conn.send({ type: "welcome", nodeId: "n-real" });
    conn.send({ type: "job", jobId: "j1", program: { runtime: "python", source: "def map(x):\n    return 10 // x\n" }, timeoutMs: 30_000 });
    conn.send({ type: "chunk", chunk: { jobId: "j1", index: 0, token: "t0", task: "map", items: [1, 2, 5] } });
    conn.send({ type: "chunk", chunk: { jobId: "j1", index: 1, token: "t1", task: "map", items: [3, 0] } });
    const reports = () => conn.received.filter((m) => m.type === "result" || m.type === "error");
    await gateway.until("two reports", () => reports().length === 2, 60_000);
    expect(reports()).toEqual([
      { v: 1, type: "result", jobId: "j1", index: 0, token: "t0", results: [10, 5, 2] },
      { v: 1, type: "error", jobId: "j1", index: 1, token: "t1", error: { message: expect.stringContaining("ZeroDivisionError"), itemIndex: 1 } },
    ]);
    expect(agent.status()).toMatchObject({ nodeId: "n-real", chunksDone: 1, chunksFailed: 1, running: 0 });
    expect(lines.some((l) => /^\[node\] chunk j1#0 done in \d+ ms$/.test(l))).toBe(true);
    expect(lines.some((l) => l.startsWith("[node] sandbox: os-sandbox (seccomp allowlist on all threads"))).toBe(true);
  }, 90_000);
});
