import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { emit, events, type JobEvent } from "@medusa/core";
import { ALICE, BOB } from "@medusa/testing/fake-services";
import { listen, testGateway, type TestGateway } from "../../test/test-gateway.ts";

let t: TestGateway;
let server: ReturnType<typeof listen>;
beforeEach(() => {
  t = testGateway();
  server = listen(t);
});
afterEach(async () => {
  server.server.stop(true);
  await t.close();
});

const counts = { total: 3, done: 0, running: 0, failed: 0 };
const progress = (id: number): JobEvent => ({ id, type: "progress", state: "running", chunks: counts, sealed: true });
const chunk = (id: number, index: number): JobEvent => ({ id, type: "chunk", index, task: "map", nodeId: "n1", chunks: counts });
const done = (id: number): JobEvent => ({ id, type: "done", chunks: { ...counts, done: 3 } });

/** Connects and collects frames until the server closes the socket. */
function connect(url: string) {
  const socket = new WebSocket(url);
  const frames: JobEvent[] = [];
  let onFrame = () => {};
  socket.onmessage = (m) => {
    frames.push(JSON.parse(String(m.data)));
    onFrame();
  };
  const opened = new Promise<void>((resolve, reject) => {
    socket.onopen = () => resolve();
    socket.onerror = () => reject(new Error("socket error"));
  });
  const closed = new Promise<{ code: number }>((resolve) => (socket.onclose = (e) => resolve({ code: e.code })));
  const frameCount = (n: number) =>
    new Promise<void>((resolve) => {
      onFrame = () => frames.length >= n && resolve();
      onFrame();
    });
  return { socket, frames, opened, closed, frameCount };
}

describe("GET /v1/jobs/:id/events", () => {
  test("replays stored events after `from`, then live ones once each, and closes after the final one", async () => {
    const job = t.fakes.addJob(ALICE.id, { state: "running", events: [progress(1), chunk(2, 0), chunk(3, 1)] });
    const id = job.status.id;
    const client = connect(server.ws(`/v1/jobs/${id}/events?from=1&token=${ALICE.key}`));
    await client.opened;
    await client.frameCount(2);
    expect(client.frames.map((f) => f.id)).toEqual([2, 3]);

    // A repeat of an event already sent is dropped; new ones flow; the final one ends the stream.
    emit(t.bus, events.jobEvents, [chunk(3, 1)], id);
    emit(t.bus, events.jobEvents, [chunk(4, 2)], id);
    emit(t.bus, events.jobEvents, [done(5)], id);
    emit(t.bus, events.jobEvents, [chunk(6, 3)], id);
    const { code } = await client.closed;
    expect(code).toBe(1000);
    expect(client.frames.map((f) => f.id)).toEqual([2, 3, 4, 5]);
    expect(client.frames.at(-1)!.type).toBe("done");
  });

  test("events published while stored ones are being read are neither lost nor doubled", async () => {
    const job = t.fakes.addJob(ALICE.id, { state: "running", events: [progress(1)] });
    const id = job.status.id;
    // While the gateway reads the stored events, event 2 is stored and published (it must come once)
    // and event 3 is only published (it must still come, from the live buffer).
    t.fakes.beforeJobEvents = () => {
      t.fakes.beforeJobEvents = undefined;
      job.events.push(chunk(2, 0));
      emit(t.bus, events.jobEvents, [chunk(2, 0)], id);
      emit(t.bus, events.jobEvents, [done(3)], id);
    };
    const client = connect(server.ws(`/v1/jobs/${id}/events?token=${ALICE.key}`));
    expect((await client.closed).code).toBe(1000);
    expect(client.frames.map((f) => f.id)).toEqual([1, 2, 3]);
  });

  test("two publishers out of order: a gap waits for the log, each event goes out once in id order", async () => {
    const job = t.fakes.addJob(ALICE.id, { state: "running", events: [progress(1)] });
    const id = job.status.id;
    const client = connect(server.ws(`/v1/jobs/${id}/events?token=${ALICE.key}`));
    await client.opened;
    await client.frameCount(1);
    // Events 2 and 3 are stored; 3 is published first, then 2, then 3 again (a resend).
    job.events.push(chunk(2, 0), chunk(3, 1));
    emit(t.bus, events.jobEvents, [chunk(3, 1)], id);
    emit(t.bus, events.jobEvents, [chunk(2, 0)], id);
    emit(t.bus, events.jobEvents, [chunk(3, 1)], id);
    await client.frameCount(3);
    job.events.push(done(4));
    emit(t.bus, events.jobEvents, [done(4)], id);
    expect((await client.closed).code).toBe(1000);
    expect(client.frames.map((f) => f.id)).toEqual([1, 2, 3, 4]);
  });

  test("batches from two publishers, overlapping and out of order: every event once, in id order", async () => {
    const job = t.fakes.addJob(ALICE.id, { state: "running", events: [progress(1)] });
    const id = job.status.id;
    const client = connect(server.ws(`/v1/jobs/${id}/events?token=${ALICE.key}`));
    await client.opened;
    await client.frameCount(1);
    // One transition appended 2–4, another 5–7; the second batch is published first, and part of the first again.
    job.events.push(chunk(2, 0), chunk(3, 1), chunk(4, 2), chunk(5, 3), chunk(6, 4), chunk(7, 5));
    emit(t.bus, events.jobEvents, [chunk(5, 3), chunk(6, 4), chunk(7, 5)], id);
    emit(t.bus, events.jobEvents, [chunk(2, 0), chunk(3, 1), chunk(4, 2)], id);
    emit(t.bus, events.jobEvents, [chunk(3, 1), chunk(4, 2)], id);
    await client.frameCount(7);
    job.events.push(chunk(8, 6), done(9));
    emit(t.bus, events.jobEvents, [chunk(8, 6), done(9)], id);
    expect((await client.closed).code).toBe(1000);
    expect(client.frames.map((f) => f.id)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  test("an event stored but never published (its publisher died) still comes, from the log", async () => {
    const job = t.fakes.addJob(ALICE.id, { state: "running", events: [progress(1)] });
    const client = connect(server.ws(`/v1/jobs/${job.status.id}/events?token=${ALICE.key}`));
    await client.opened;
    await client.frameCount(1);
    job.events.push(chunk(2, 0), done(3));
    expect((await client.closed).code).toBe(1000);
    expect(client.frames.map((f) => f.id)).toEqual([1, 2, 3]);
  });

  test("a job already final on connect: stored events, then close", async () => {
    const job = t.fakes.addJob(ALICE.id, { state: "done", events: [progress(1), done(2)] });
    const client = connect(server.ws(`/v1/jobs/${job.status.id}/events?from=2&token=${ALICE.key}`));
    const { code } = await client.closed;
    expect(code).toBe(1000);
    expect(client.frames).toEqual([]);
  });

  test("another account's job is refused before the upgrade", async () => {
    const job = t.fakes.addJob(BOB.id, { state: "running" });
    const res = await fetch(server.ws(`/v1/jobs/${job.status.id}/events?token=${ALICE.key}`).replace("ws:", "http:"), {
      headers: { upgrade: "websocket", connection: "Upgrade", "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==", "sec-websocket-version": "13" },
    });
    expect(res.status).toBe(404);
    const noToken = await fetch(server.ws(`/v1/jobs/${job.status.id}/events`).replace("ws:", "http:"));
    expect(noToken.status).toBe(401);
  });

  test("a bad `from` is 400 naming it", async () => {
    const job = t.fakes.addJob(ALICE.id, { state: "running" });
    const res = await fetch(server.ws(`/v1/jobs/${job.status.id}/events?from=-3&token=${ALICE.key}`).replace("ws:", "http:"), {
      headers: { upgrade: "websocket", connection: "Upgrade", "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==", "sec-websocket-version": "13" },
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).error.message).toStartWith("from: ");
  });
});
