import { expect, test } from "bun:test";
import { GatewayMessage } from "@medusa/core";
import { ALICE, lease, NODE } from "@medusa/testing/fake-services";
import { until } from "@medusa/testing/until";
import { gatewayEachTest } from "../../test/test-gateway.ts";

/**
 * The gateway renews the leases of the chunks its nodes hold (sent and not
 * reported), on the node's behalf, while the node's socket is open: a
 * reported chunk's lease is renewed no more, nor a closed socket's.
 */
const g = gatewayEachTest({ leaseRenewMs: 50 });

type Renewal = { leases: Array<{ jobId: string; index: number; token: string; nodeId: string }> };
const renewals = () => (g.t.fakes.calls.renewLeases ?? []) as Renewal[];
const renewedSince = (from: number) => renewals().slice(from).flatMap((r) => r.leases.map((l) => `${l.index}:${l.token}:${l.nodeId}`));

test("the leases of chunks a node holds are renewed until it reports them or its socket closes", async () => {
  const jobId = g.t.fakes.addJob(ALICE.id).status.id;
  g.t.fakes.leaseQueue.push(lease(jobId, 0, { kind: "items", items: [1] }), lease(jobId, 1, { kind: "items", items: [2] }));
  const socket = new WebSocket(g.server.ws(`/v1/nodes/ws?token=${NODE.token}`));
  const chunks: number[] = [];
  socket.onmessage = (m) => {
    const frame = GatewayMessage.parse(JSON.parse(String(m.data)));
    if (frame.type === "chunk") chunks.push(frame.chunk.index);
  };
  await new Promise((resolve) => (socket.onopen = resolve));
  const send = (body: object) => socket.send(JSON.stringify({ v: 1, ...body }));
  send({ type: "hello", slots: 1, sandbox: "process", runtimes: ["python"], version: "test" });
  send({ type: "want", n: 2 });
  await until(async () => chunks.length === 2, 5_000, "both chunks sent");

  let from = renewals().length;
  await until(async () => renewedSince(from).includes(`1:lease-${jobId}-1:${NODE.id}`) && renewedSince(from).includes(`0:lease-${jobId}-0:${NODE.id}`), 5_000, "both leases renewed");
  send({ type: "result", jobId, index: 0, token: `lease-${jobId}-0`, results: [1] });
  await g.t.fakes.called("completeChunks");
  // A pass or two may have gathered the leases before the result came; after that only chunk 1 is renewed.
  await until(async () => renewals().length >= from + 3, 5_000, "more renewals");
  from = renewals().length;
  await until(async () => renewals().length >= from + 3, 5_000, "more renewals");
  expect(new Set(renewedSince(from))).toEqual(new Set([`1:lease-${jobId}-1:${NODE.id}`]));

  socket.close();
  await g.t.fakes.called("releaseNode");
  await Bun.sleep(100);
  from = renewals().length;
  await Bun.sleep(300);
  expect(renewedSince(from)).toEqual([]);
});
