import { expect, test } from "bun:test";
import { limits, type GatewayMessage } from "@medusa/core";
import { ALICE, lease, NODE } from "@medusa/testing/fake-services";
import { until } from "@medusa/testing/until";
import { gatewayEachTest } from "../../test/test-gateway.ts";

/**
 * A node's result as the gateway takes it: whatever a node sends, a result
 * over the depth or size limit fails that chunk's attempt with the limit
 * named, the node hears why, and its socket stays open.
 */
const g = gatewayEachTest();

async function nodeWithChunk() {
  const jobId = g.t.fakes.addJob(ALICE.id).status.id;
  g.t.fakes.leaseQueue.push(lease(jobId, 0, { kind: "items", items: [1] }));
  const socket = new WebSocket(g.server.ws(`/v1/nodes/ws?token=${NODE.token}`));
  const frames: GatewayMessage[] = [];
  let closedWith: number | undefined;
  socket.onmessage = (m) => frames.push(JSON.parse(String(m.data)));
  socket.onclose = (e) => (closedWith = e.code);
  await new Promise<void>((resolve, reject) => {
    socket.onopen = () => resolve();
    socket.onerror = () => reject(new Error("socket error"));
  });
  socket.send(JSON.stringify({ v: 1, type: "want", n: 1 }));
  await until(() => frames.some((f) => f.type === "chunk"), 5_000, "the chunk");
  const token = `lease-${jobId}-0`;
  /** Sends the frame text as it is: a hostile node need not use JSON.stringify. */
  const sendResult = (resultsText: string) => socket.send(`{"v":1,"type":"result","jobId":"${jobId}","index":0,"token":"${token}","results":${resultsText}}`);
  const errors = () => frames.flatMap((f) => (f.type === "error" ? [f.message] : []));
  return { jobId, token, socket, sendResult, errors, closed: () => closedWith };
}

test("a 100,000-deep result: the chunk's attempt fails with the depth error, the node is told, the socket stays open", async () => {
  const node = await nodeWithChunk();
  node.sendResult(`[${"[".repeat(100_000)}${"]".repeat(100_000)}]`);
  const [fail] = (await g.t.fakes.called("failChunk", 1, 5_000)) as any[];
  expect(fail).toEqual({ jobId: node.jobId, index: 0, token: node.token, nodeId: NODE.id, error: { message: "result nests deeper than 64 levels" } });
  await until(() => node.errors().length > 0, 5_000, "an error frame");
  expect(node.errors()).toEqual(["frame: result nests deeper than 64 levels"]);
  expect(g.t.fakes.calls.completeChunks).toBeUndefined();
  expect(node.closed()).toBeUndefined();
  node.socket.close();
});

test("a result just past the depth limit (65 levels) fails the same way, caught on the value rather than the frame", async () => {
  const node = await nodeWithChunk();
  node.sendResult(`[${"[".repeat(64)}${"]".repeat(64)}]`);
  const [fail] = (await g.t.fakes.called("failChunk", 1, 5_000)) as any[];
  expect(fail.error).toEqual({ message: "result nests deeper than 64 levels" });
  await until(() => node.errors().length > 0, 5_000, "an error frame");
  expect(node.errors()).toEqual(["results: result nests deeper than 64 levels"]);
  node.socket.close();
});

test("a result over the 16 MiB limit in a 17 MiB frame: the socket is not dropped (1009), the attempt fails naming the limit", async () => {
  const node = await nodeWithChunk();
  // One item's result of 16 MiB + 100 bytes: over Bun's default frame cap, within the gateway's.
  node.sendResult(`["${"x".repeat(limits.resultBytes + 100)}"]`);
  const [fail] = (await g.t.fakes.called("failChunk", 1, 10_000)) as any[];
  expect(fail.error.message).toBe(`result is 16.0 MiB (${limits.resultBytes + 104} bytes), over the limit of 16 MiB`);
  expect(g.t.fakes.calls.completeChunks).toBeUndefined();
  expect(node.closed()).toBeUndefined();
  node.socket.close();
});
