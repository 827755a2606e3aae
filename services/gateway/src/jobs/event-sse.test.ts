import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { emit, events, type JobEvent } from "@medusa/core";
import { ALICE, BOB } from "@medusa/testing/fake-services";
import { listen, testGateway, type TestGateway } from "../../test/test-gateway.ts";

let t: TestGateway;
let server: ReturnType<typeof listen>;
let base: string;
beforeEach(() => {
  t = testGateway();
  server = listen(t);
  base = `http://127.0.0.1:${server.server.port}`;
});
afterEach(async () => {
  server.server.stop(true);
  await t.close();
});

const counts = { total: 3, done: 0, running: 0, failed: 0 };
const chunk = (id: number, index: number): JobEvent => ({ id, type: "chunk", index, task: "map", nodeId: "n1", chunks: counts });
const done = (id: number): JobEvent => ({ id, type: "done", chunks: { ...counts, done: 3 } });

/** Reads SSE frames off a real connection; `drop()` cuts it the way a lost network would. */
async function open(path: string, headers: Record<string, string> = {}) {
  const abort = new AbortController();
  const res = await fetch(base + path, { headers: { accept: "text/event-stream", authorization: `Bearer ${ALICE.key}`, ...headers }, signal: abort.signal });
  const frames: Array<{ id: number; event: JobEvent }> = [];
  let waiter: { n: number; resolve: () => void } | undefined;
  const ended = (async () => {
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    try {
      for (;;) {
        const { value, done: end } = await reader.read();
        if (end) return;
        text += value;
        let cut: number;
        while ((cut = text.indexOf("\n\n")) >= 0) {
          const block = text.slice(0, cut);
          text = text.slice(cut + 2);
          const id = /^id: (\d+)$/m.exec(block);
          const data = /^data: (.*)$/m.exec(block);
          if (id && data) frames.push({ id: Number(id[1]), event: JSON.parse(data[1]!) });
          if (waiter && frames.length >= waiter.n) waiter.resolve();
        }
      }
    } catch {
      // dropped by us
    }
  })();
  const count = (n: number) => new Promise<void>((resolve) => (frames.length >= n ? resolve() : (waiter = { n, resolve })));
  return { res, frames, ended, count, drop: () => abort.abort() };
}

describe("GET /v1/jobs/:id/events as Server-Sent Events", () => {
  test("resumes after a dropped connection with Last-Event-ID: no event lost, none repeated", async () => {
    const job = t.fakes.addJob(ALICE.id, { state: "running", events: [chunk(1, 0), chunk(2, 1)] });
    const id = job.status.id;
    const first = await open(`/v1/jobs/${id}/events`);
    expect(first.res.status).toBe(200);
    expect(first.res.headers.get("content-type")).toStartWith("text/event-stream");
    await first.count(2);
    emit(t.bus, events.jobEvents, [chunk(3, 2)], id);
    job.events.push(chunk(3, 2));
    await first.count(3);
    first.drop();
    await first.ended;

    // While nobody listens, two events are stored (and published to no one).
    job.events.push(chunk(4, 0), chunk(5, 1));
    emit(t.bus, events.jobEvents, [chunk(4, 0)], id);
    const last = first.frames.at(-1)!.id;
    const second = await open(`/v1/jobs/${id}/events?from=0`, { "last-event-id": String(last) });
    await second.count(2);
    emit(t.bus, events.jobEvents, [chunk(5, 1)], id);
    emit(t.bus, events.jobEvents, [done(6)], id);
    await second.ended;
    const ids = [...first.frames, ...second.frames].map((f) => f.id);
    expect(ids).toEqual([1, 2, 3, 4, 5, 6]);
    expect(second.frames.map((f) => f.event.id)).toEqual([4, 5, 6]);
    expect(second.frames.at(-1)!.event.type).toBe("done");
  });

  test("a job already final: its stored events after `from`, then the stream ends", async () => {
    const job = t.fakes.addJob(ALICE.id, { state: "done", events: [chunk(1, 0), done(2)] });
    const s = await open(`/v1/jobs/${job.status.id}/events?from=1`);
    await s.ended;
    expect(s.frames.map((f) => f.id)).toEqual([2]);
  });

  test("another account's job is 404, no credentials 401, a bad Last-Event-ID 400 naming it, and neither SSE nor WebSocket asked 400", async () => {
    const bobs = t.fakes.addJob(BOB.id, { state: "running" });
    expect((await fetch(`${base}/v1/jobs/${bobs.status.id}/events`, { headers: { accept: "text/event-stream", authorization: `Bearer ${ALICE.key}` } })).status).toBe(404);
    expect((await fetch(`${base}/v1/jobs/${bobs.status.id}/events`, { headers: { accept: "text/event-stream" } })).status).toBe(401);
    const mine = t.fakes.addJob(ALICE.id, { state: "running" });
    const bad = await fetch(`${base}/v1/jobs/${mine.status.id}/events`, { headers: { accept: "text/event-stream", authorization: `Bearer ${ALICE.key}`, "last-event-id": "x" } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as any).error.message).toStartWith("last-event-id: ");
    const neither = await fetch(`${base}/v1/jobs/${mine.status.id}/events`, { headers: { authorization: `Bearer ${ALICE.key}` } });
    expect(neither.status).toBe(400);
    expect(((await neither.json()) as any).error.message).toContain("text/event-stream");
  });
});
