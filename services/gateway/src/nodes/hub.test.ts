import { describe, expect, test } from "bun:test";
import { emit, events } from "@medusa/core";
import { ALICE, auth, lease, NODE } from "@medusa/testing/fake-services";
import { connectNodeSocket } from "../../test/node-socket.ts";
import { gatewayEachTest, listen, testGateway } from "../../test/test-gateway.ts";

const g = gatewayEachTest();

const connectNode = (token = NODE.token) => connectNodeSocket(g.server.ws(`/v1/nodes/ws?token=${token}`));

const nodesOf = async () => ((await (await g.t.app.request("/v1/nodes", auth(ALICE.key))).json()) as any).nodes;

describe("node socket", () => {
  test("want → job then chunk with items resolved; result → completeChunk; close → releaseNode", async () => {
    const job = g.t.fakes.addJob(ALICE.id);
    const jobId = job.status.id;
    g.t.fakes.leaseQueue.push(lease(jobId, 0, { kind: "range", start: 0, stop: 10, step: 3 }), lease(jobId, 1, { kind: "items", items: ["a", { b: 1 }] }));
    const node = await connectNode();
    expect((await node.next("welcome")).nodeId).toBe(NODE.id);
    node.send({ type: "hello", slots: 2, sandbox: "wasi-only", runtimes: ["python"], version: "test" });
    node.send({ type: "want", n: 2 });

    const jobFrame = await node.next("job");
    expect(jobFrame).toMatchObject({ jobId, program: job.spec.program, timeoutMs: 5_000 });
    const first = await node.next("chunk");
    expect(first.chunk).toEqual({ jobId, index: 0, token: `lease-${jobId}-0`, task: "map", items: [0, 3, 6, 9] });
    // The program goes once per connection, not once per chunk.
    const second = await node.next("chunk");
    expect(second.chunk.items).toEqual(["a", { b: 1 }]);
    // The lease names the node's owner, so the scheduler can keep one owner's nodes off the same chunk,
    // and the runtimes its hello listed, so it gets no chunk it cannot run.
    expect(g.t.fakes.calls.leaseChunks![0]).toEqual({ nodeId: NODE.id, owner: NODE.owner, origin: "127.0.0.0/24", max: 2, runtimes: ["python"], renewed: true });

    node.send({ type: "result", jobId, index: 0, token: `lease-${jobId}-0`, results: [0, 9, 36, 81] });
    const [complete] = (await g.t.fakes.called("completeChunks")) as any[];
    expect(complete).toEqual({ nodeId: NODE.id, results: [{ jobId, index: 0, token: `lease-${jobId}-0`, results: "[0,9,36,81]" }] });

    node.send({ type: "error", jobId, index: 1, token: `lease-${jobId}-1`, error: { message: "boom", itemIndex: 1 } });
    const [fail] = (await g.t.fakes.called("failChunk")) as any[];
    expect(fail).toEqual({ jobId, index: 1, token: `lease-${jobId}-1`, nodeId: NODE.id, error: { message: "boom", itemIndex: 1 } });

    const online = await nodesOf();
    expect(online).toHaveLength(1);
    expect(online[0]).toMatchObject({ nodeId: NODE.id, state: "online", sandbox: "wasi-only", chunksDone: 7, session: { chunksDone: 1 } });
    expect(online[0].reputation).toEqual({ agreed: 4, disagreed: 1, streak: 2, accepted: 5, expired: 0 });

    node.socket.close();
    // Once as it opened (what it held came from an older connection, maybe on another gateway), once as it closed.
    expect(await g.t.fakes.called("releaseNode", 2)).toEqual([{ nodeId: NODE.id }, { nodeId: NODE.id }]);
    expect((await nodesOf())[0].state).toBe("offline");
  });

  test("a map result whose length differs from the chunk's items is failed, a reduce value is taken as is", async () => {
    const job = g.t.fakes.addJob(ALICE.id);
    const jobId = job.status.id;
    g.t.fakes.leaseQueue.push(lease(jobId, 0, { kind: "items", items: [1, 2, 3] }), { ...lease(jobId, 1, { kind: "items", items: [7] }), task: "reduce" as const });
    const node = await connectNode();
    await node.next("welcome");
    node.send({ type: "want", n: 2 });
    await node.next("job");
    await node.next("chunk");
    await node.next("chunk");
    node.send({ type: "result", jobId, index: 0, token: `lease-${jobId}-0`, results: [1, 4] });
    expect((await node.next("error")).message).toContain("one result per item (3)");
    const [fail] = (await g.t.fakes.called("failChunk")) as any[];
    expect(fail.error.message).toBe("the node returned 2 results for 3 items");
    node.send({ type: "result", jobId, index: 1, token: `lease-${jobId}-1`, results: 42 });
    const [complete] = (await g.t.fakes.called("completeChunks")) as any[];
    expect(complete.results.map((r: any) => r.results)).toEqual(["42"]);
  });

  test("a node acts only as itself: a frame naming another node, or a chunk it never got, goes to the scheduler under its own id", async () => {
    const node = await connectNode();
    await node.next("welcome");
    node.send({ type: "result", jobId: "job_someone_else", index: 3, token: "lease_guessed", nodeId: "node_other", results: [1] });
    const [complete] = (await g.t.fakes.called("completeChunks")) as any[];
    expect(complete).toEqual({ nodeId: NODE.id, results: [{ jobId: "job_someone_else", index: 3, token: "lease_guessed", results: "[1]" }] });
  });

  test("a bad frame gets an error frame and the socket stays usable", async () => {
    const job = g.t.fakes.addJob(ALICE.id);
    g.t.fakes.leaseQueue.push(lease(job.status.id, 0, { kind: "items", items: [1] }));
    const node = await connectNode();
    await node.next("welcome");
    node.socket.send("{nope");
    expect((await node.next("error")).message).toBe("frame is not valid JSON");
    node.send({ type: "want", n: -1 });
    const bad = await node.next("error");
    expect(bad.code).toBe("invalid_field");
    expect(bad.message).toStartWith("n: ");
    node.send({ type: "dance" });
    expect((await node.next("error")).message).toStartWith("type: ");

    node.send({ type: "want", n: 1 });
    await node.next("job");
    expect((await node.next("chunk")).chunk.items).toEqual([1]);
  });

  test("a frame of another protocol version is refused as such and not acted on", async () => {
    const job = g.t.fakes.addJob(ALICE.id);
    g.t.fakes.leaseQueue.push(lease(job.status.id, 0, { kind: "items", items: [1] }));
    const node = await connectNode();
    await node.next("welcome");
    node.socket.send(JSON.stringify({ v: 2, type: "want", n: 1 }));
    const refused = await node.next("error");
    expect(refused).toEqual({ v: 1, type: "error", code: "unsupported", message: "protocol version 2 is not understood here (this gateway speaks 1)" });
    node.socket.send(JSON.stringify({ type: "want", n: 1 }));
    expect((await node.next("error")).message).toBe("protocol version missing is not understood here (this gateway speaks 1)");
    expect(g.t.fakes.calls.leaseChunks ?? []).toEqual([]);

    node.send({ type: "want", n: 1 });
    await node.next("job");
    expect((await node.next("chunk")).chunk.items).toEqual([1]);
  });

  test("a hungry node gets work when workAvailable arrives", async () => {
    const job = g.t.fakes.addJob(ALICE.id);
    const node = await connectNode();
    await node.next("welcome");
    node.send({ type: "want", n: 1 });
    await g.t.fakes.called("leaseChunks");
    await Bun.sleep(20);
    expect(node.pending()).toBe(0);

    g.t.fakes.leaseQueue.push(lease(job.status.id, 0, { kind: "items", items: [42] }));
    emit(g.t.bus, events.workAvailable, { chunks: 1 });
    await node.next("job");
    expect((await node.next("chunk")).chunk.items).toEqual([42]);
  });

  test("a stopped job is cancelled on the connections that got it", async () => {
    const job = g.t.fakes.addJob(ALICE.id);
    const other = g.t.fakes.addJob(ALICE.id);
    g.t.fakes.leaseQueue.push(lease(job.status.id, 0, { kind: "items", items: [1] }));
    const node = await connectNode();
    await node.next("welcome");
    node.send({ type: "want", n: 1 });
    await node.next("job");
    await node.next("chunk");
    emit(g.t.bus, events.jobStopped, { jobId: other.status.id, state: "cancelled" });
    emit(g.t.bus, events.jobStopped, { jobId: job.status.id, state: "cancelled" });
    expect(await node.next("cancel")).toMatchObject({ jobId: job.status.id });
    await Bun.sleep(20);
    expect(node.pending()).toBe(0);
  });

  test("demand is capped by the declared slots: more is refused with an error frame; a cancelled job's chunks stop counting", async () => {
    const job = g.t.fakes.addJob(ALICE.id);
    for (let i = 0; i < 40; i++) g.t.fakes.leaseQueue.push(lease(job.status.id, i, { kind: "items", items: [i] }));
    const node = await connectNode();
    await node.next("welcome");
    node.send({ type: "hello", slots: 1, sandbox: "process", runtimes: ["python"], version: "test" });
    node.send({ type: "want", n: 1000 });
    expect(await node.next("error")).toMatchObject({ code: "rate_limited", message: "want: a node with 1 slot(s) holds at most 32 chunks; it holds or asked for 0, so 968 of 1000 were refused" });
    // The node's network goes with every lease request, so replicas go to distinct ones.
    expect((await g.t.fakes.called("leaseChunks"))[0]).toMatchObject({ max: 32, origin: "127.0.0.0/24" });
    await node.next("job");
    for (let i = 0; i < 32; i++) await node.next("chunk");
    node.send({ type: "want", n: 1 });
    expect((await node.next("error")).message).toContain("it holds or asked for 32, so 1 of 1 were refused");
    emit(g.t.bus, events.jobStopped, { jobId: job.status.id, state: "cancelled" });
    await node.next("cancel");
    node.send({ type: "want", n: 2 });
    await g.t.fakes.called("leaseChunks", 2);
    expect(g.t.fakes.calls.leaseChunks!.at(-1)).toMatchObject({ max: 2 });
    await node.next("job");
    expect([(await node.next("chunk")).chunk.index, (await node.next("chunk")).chunk.index]).toEqual([32, 33]);
  });

  test("the server's cap holds whatever slots a node declares", async () => {
    await g.restart({ maxNodeChunks: 5 });
    const node = await connectNode();
    await node.next("welcome");
    node.send({ type: "hello", slots: 256, sandbox: "process", runtimes: ["python"], version: "test" });
    node.send({ type: "want", n: 6 });
    expect((await node.next("error")).message).toBe("want: a node with 256 slot(s) holds at most 5 chunks; it holds or asked for 0, so 1 of 6 were refused");
  });

  test("a second socket of the same node replaces the first", async () => {
    const first = await connectNode();
    await first.next("welcome");
    const second = await connectNode();
    await second.next("welcome");
    expect(await first.closed).toBe(4000);
    // Each socket put the node's older leases back as it opened; the newer one is still the node's.
    expect(await g.t.fakes.called("releaseNode", 2)).toHaveLength(2);
    expect(g.t.gateway.hub.status(NODE.id)?.state).toBe("online");
    second.socket.close();
    await g.t.fakes.called("releaseNode", 3);
  });

  test("presence is shared: the gateway heartbeats its nodes, and lists a node another gateway holds as online", async () => {
    const node = await connectNode();
    await node.next("welcome");
    const heartbeat = async () => ((await g.t.fakes.called("presenceHeartbeat")) as any[]).at(-1);
    const mine = (await heartbeat()).nodes.find((n: any) => n.nodeId === NODE.id);
    expect(mine).toMatchObject({ nodeId: NODE.id, gateway: g.t.gateway.hub.gatewayId });
    node.socket.close();
    await g.t.fakes.called("presenceLeave");
    expect(g.t.fakes.presence.has(NODE.id)).toBe(false);
    // Another gateway's heartbeat: this one has no socket for the node, yet shows it online.
    g.t.fakes.presence.set(NODE.id, { nodeId: NODE.id, gateway: "other-gateway", connection: "c-elsewhere", since: Date.parse("2026-01-01T00:00:00Z"), chunksDone: 12, sandbox: "os-sandbox", slots: 3 });
    expect((await nodesOf())[0]).toMatchObject({ state: "online", sandbox: "os-sandbox", session: { since: "2026-01-01T00:00:00.000Z", chunksDone: 12 } });
  });

  test("a chunk the gateway cannot prepare is handed back with failChunk", async () => {
    const job = g.t.fakes.addJob(ALICE.id);
    g.t.fakes.leaseQueue.push(lease(job.status.id, 0, { kind: "blob", key: "jobs/x/chunks/0.json", format: "json" }));
    const node = await connectNode();
    await node.next("welcome");
    node.send({ type: "want", n: 1 });
    const [fail] = (await g.t.fakes.called("failChunk")) as any[];
    expect(fail.error.message).toContain("missing");
    expect(fail.nodeId).toBe(NODE.id);
  });
});

test("the welcome hands out the gateways alive, as the shared presence lists them", async () => {
  const own = testGateway({ publicUrl: "http://gw-a.example:8080" });
  const s = listen(own);
  try {
    expect(((await own.fakes.called("presenceHeartbeat")) as any[])[0].url).toBe("http://gw-a.example:8080");
    // The first heartbeat's answer is in once the fakes replied; a node connecting now is told the list.
    await Bun.sleep(20);
    const socket = new WebSocket(s.ws(`/v1/nodes/ws?token=${NODE.token}`));
    const welcome = await new Promise<any>((resolve) => (socket.onmessage = (m) => resolve(JSON.parse(String(m.data)))));
    expect(welcome).toMatchObject({ type: "welcome", nodeId: NODE.id, gateways: ["http://gw-a.example:8080"] });
    socket.close();
  } finally {
    s.server.stop(true);
    await own.close();
  }
});

test("without workAvailable, a hungry node is retried on the tick", async () => {
  const own = testGateway({ nodeTickMs: 20 });
  const s = listen(own);
  try {
    const job = own.fakes.addJob(ALICE.id);
    const socket = new WebSocket(s.ws(`/v1/nodes/ws?token=${NODE.token}`));
    const chunk = new Promise<any>((resolve) => (socket.onmessage = (m) => JSON.parse(String(m.data)).type === "chunk" && resolve(JSON.parse(String(m.data)))));
    await new Promise((resolve) => (socket.onopen = resolve));
    socket.send(JSON.stringify({ v: 1, type: "want", n: 1 }));
    await own.fakes.called("leaseChunks");
    own.fakes.leaseQueue.push(lease(job.status.id, 0, { kind: "items", items: ["late"] }));
    expect((await chunk).chunk.items).toEqual(["late"]);
    socket.close();
  } finally {
    s.server.stop(true);
    await own.close();
  }
});
