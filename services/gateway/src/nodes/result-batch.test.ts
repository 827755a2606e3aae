import { expect, test } from "bun:test";
import type { GatewayMessage } from "@medusa/core";
import { ALICE, lease, NODE } from "@medusa/testing/fake-services";
import { until } from "@medusa/testing/until";
import { gatewayEachTest } from "../../test/test-gateway.ts";

/** A node's results reach the scheduler many to a request, in the order the node sent them, each with its own outcome. */
const g = gatewayEachTest();

async function nodeWithChunks(n: number) {
  const jobId = g.t.fakes.addJob(ALICE.id).status.id;
  for (let i = 0; i < n; i++) g.t.fakes.leaseQueue.push(lease(jobId, i, { kind: "items", items: [i] }));
  const socket = new WebSocket(g.server.ws(`/v1/nodes/ws?token=${NODE.token}`));
  const frames: GatewayMessage[] = [];
  socket.onmessage = (m) => frames.push(JSON.parse(String(m.data)));
  await new Promise<void>((resolve, reject) => {
    socket.onopen = () => resolve();
    socket.onerror = () => reject(new Error("socket error"));
  });
  socket.send(JSON.stringify({ v: 1, type: "hello", slots: 8, sandbox: "wasi-only", runtimes: ["python"], version: "test" }));
  socket.send(JSON.stringify({ v: 1, type: "want", n }));
  await until(() => frames.filter((f) => f.type === "chunk").length === n, 5_000, `${n} chunks`);
  const result = (i: number) => socket.send(JSON.stringify({ v: 1, type: "result", jobId, index: i, token: `lease-${jobId}-${i}`, results: [i * 10] }));
  return { jobId, socket, frames, result };
}

type Batch = { nodeId: string; results: Array<{ jobId: string; index: number; token: string; results: string }> };
const batches = () => (g.t.fakes.calls.completeChunks ?? []) as Batch[];

test("results sent back to back go in fewer requests than results, every one once and in order, under the node's own id", async () => {
  const node = await nodeWithChunks(16);
  for (let i = 0; i < 16; i++) node.result(i);
  await until(() => batches().flatMap((b) => b.results).length === 16, 5_000, "16 results at the scheduler");
  expect(batches().length).toBeLessThan(16);
  expect(batches().every((b) => b.nodeId === NODE.id)).toBe(true);
  expect(batches().flatMap((b) => b.results.map((r) => [r.index, r.results]))).toEqual(Array.from({ length: 16 }, (_, i) => [i, `[${i * 10}]`]));
  expect(g.t.fakes.calls.failChunk).toBeUndefined();
  node.socket.close();
});

test("a result the scheduler refuses fails that chunk's attempt alone, and the node hears why", async () => {
  g.t.fakes.refuseResult = (text) => (text === "[10]" ? "result is over a limit" : undefined);
  const node = await nodeWithChunks(3);
  for (let i = 0; i < 3; i++) node.result(i);
  const [fail] = (await g.t.fakes.called("failChunk", 1, 5_000)) as any[];
  expect(fail).toEqual({ jobId: node.jobId, index: 1, token: `lease-${node.jobId}-1`, nodeId: NODE.id, error: { message: "result is over a limit" } });
  await until(() => node.frames.some((f) => f.type === "error"), 5_000, "an error frame");
  expect(node.frames.flatMap((f) => (f.type === "error" ? [f.message] : []))).toEqual(["results: result is over a limit"]);
  expect(batches().flatMap((b) => b.results.map((r) => r.index))).toEqual([0, 1, 2]);
  expect((g.t.fakes.calls.failChunk ?? []).length).toBe(1);
  node.socket.close();
});
