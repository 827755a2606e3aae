import { describe, expect, test } from "bun:test";
import { emit, events } from "@medusa/core";
import { ALICE, lease, NODE } from "@medusa/testing/fake-services";
import { connectNodeSocket } from "../../test/node-socket.ts";
import { gatewayEachTest } from "../../test/test-gateway.ts";

/** Bus requests a one-chunk job costs the hub: each is a hop on W2's path (bench/README.md). */
const g = gatewayEachTest();

const connectNode = () => connectNodeSocket(g.server.ws(`/v1/nodes/ws?token=${NODE.token}`));

describe("leasing for a hungry node", () => {
  test("a one-chunk job costs one lease once the node is hungry: a short lease is not asked again", async () => {
    const job = g.t.fakes.addJob(ALICE.id);
    const node = await connectNode();
    await node.next("welcome");
    node.send({ type: "want", n: 8 });
    await g.t.fakes.called("leaseChunks");
    g.t.fakes.leaseQueue.push(lease(job.status.id, 0, { kind: "items", items: [7] }));
    emit(g.t.bus, events.workAvailable, { chunks: 1 });
    await node.next("job");
    await node.next("chunk");
    await Bun.sleep(50);
    // One lease found the queue empty, one got the chunk (1 of 8): a third would find it empty again.
    expect(g.t.fakes.calls.leaseChunks).toHaveLength(2);
  });


  test("a job announced with its program goes to the node without asking the scheduler for it", async () => {
    const job = g.t.fakes.addJob(ALICE.id);
    const node = await connectNode();
    await node.next("welcome");
    node.send({ type: "want", n: 1 });
    await g.t.fakes.called("leaseChunks");
    g.t.fakes.leaseQueue.push(lease(job.status.id, 0, { kind: "items", items: [7] }));
    const program = { runtime: "python" as const, source: "def map(x):\n    return -x\n" };
    emit(g.t.bus, events.workAvailable, { chunks: 1, programs: [{ jobId: job.status.id, owner: ALICE.id, program, timeoutMs: 9_000 }] });
    expect(await node.next("job")).toMatchObject({ jobId: job.status.id, program, timeoutMs: 9_000 });
    expect((await node.next("chunk")).chunk.items).toEqual([7]);
    expect(g.t.fakes.calls.jobProgram ?? []).toEqual([]);
  });

  test("a hungry node's want sent with a result leases after the result has gone to the scheduler: an empty lease must not hold up the job's end", async () => {
    const job = g.t.fakes.addJob(ALICE.id);
    const jobId = job.status.id;
    g.t.fakes.leaseQueue.push(lease(jobId, 0, { kind: "items", items: [1] }));
    const node = await connectNode();
    await node.next("welcome");
    // 1 of 2: the queue had no more, the node is hungry.
    node.send({ type: "want", n: 2 });
    await node.next("job");
    await node.next("chunk");
    // As a node's work queue does: the result, then at once a want for the slot it freed.
    node.send({ type: "result", jobId, index: 0, token: `lease-${jobId}-0`, results: [2] });
    node.send({ type: "want", n: 1 });
    await g.t.fakes.called("leaseChunks", 2);
    await g.t.fakes.called("completeChunks");
    expect(g.t.fakes.order.filter((name) => name === "leaseChunks" || name === "completeChunks")).toEqual(["leaseChunks", "completeChunks", "leaseChunks"]);
  });

  test("new chunks announced while a lease is out are leased at once, though that lease came back empty", async () => {
    const job = g.t.fakes.addJob(ALICE.id);
    g.t.fakes.duringLease = () => {
      g.t.fakes.duringLease = undefined;
      g.t.fakes.leaseQueue.push(lease(job.status.id, 0, { kind: "items", items: [5] }));
      emit(g.t.bus, events.workAvailable, { chunks: 1 });
    };
    const node = await connectNode();
    await node.next("welcome");
    node.send({ type: "want", n: 4 });
    // The node was not hungry yet when the event came, so the hub woke nobody: only the connection itself can notice it.
    await node.next("job");
    expect((await node.next("chunk")).chunk.items).toEqual([5]);
    expect(g.t.fakes.calls.leaseChunks).toHaveLength(2);
  });
});
