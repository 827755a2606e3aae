import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { emit, events, type JobEvent, type NewJobEvent } from "@medusa/core";
import { ALICE, auth, BOB } from "@medusa/testing/fake-services";
import { listen, testGateway, type TestGateway } from "../../test/test-gateway.ts";

let t: TestGateway;
beforeEach(() => (t = testGateway()));
afterEach(() => t.close());

const counts = { total: 3, done: 0, running: 0, failed: 0 };
const results = (id: string, query: string, key = ALICE.key) => t.app.request(`/v1/jobs/${id}/results?${query}`, auth(key));
const lines = async (res: Response) => (await res.text()).split("\n").filter(Boolean).map((l) => JSON.parse(l));
const ring = (jobId: string, event: NewJobEvent, id = 1) => emit(t.bus, events.jobEvents, [{ id, ...event } as JobEvent], jobId);

/** Settles when `promise` does, or says it is still pending after `ms`. */
const pendingAfter = (promise: Promise<unknown> | unknown, ms: number) => Promise.race([Promise.resolve(promise).then(() => false), Bun.sleep(ms).then(() => true)]);

describe("GET /v1/jobs/:id/results?wait=", () => {
  test("holds the request until the job ends, then answers its results", async () => {
    const job = t.fakes.addJob(ALICE.id, { state: "running", results: [[1, 2], null] });
    const answer = results(job.status.id, "wait=60");
    expect(await pendingAfter(answer, 300)).toBe(true);
    job.results[1] = JSON.stringify([3]);
    job.status = { ...job.status, state: "done" };
    ring(job.status.id, { type: "done", chunks: { ...counts, done: 2 } });
    const res = await answer;
    expect(res.status).toBe(200);
    expect(await lines(res)).toEqual([1, 2, 3]);
  });

  test("a job still running when the wait runs out is the usual 409", async () => {
    const job = t.fakes.addJob(ALICE.id, { state: "running" });
    const started = Date.now();
    const res = await results(job.status.id, "wait=1");
    expect(res.status).toBe(409);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(((await res.json()) as any).error.message).toBe("job is running: its results can be read once it is done");
  });

  test("a finished job answers at once; bad parameters are 400 naming them; a stranger's job is 404", async () => {
    const job = t.fakes.addJob(ALICE.id, { state: "done", results: [[7]] });
    expect(await lines(await results(job.status.id, "wait=300"))).toEqual([7]);
    for (const [query, field] of [["wait=soon", "wait"], ["wait=-1", "wait"], ["partial=yes", "partial"], ["partial=1&offset=-2", "offset"]]) {
      const res = await results(job.status.id, query!);
      expect(res.status, query).toBe(400);
      expect(((await res.json()) as any).error.message).toStartWith(`${field}: `);
    }
    expect((await results(job.status.id, "wait=5", BOB.key)).status).toBe(404);
    expect((await results(job.status.id, "partial=1", BOB.key)).status).toBe(404);
  });

  test("over a real server, a wait longer than Bun's 10 s idle timeout still gets its answer", async () => {
    const server = listen(t);
    try {
      const job = t.fakes.addJob(ALICE.id, { state: "running", results: [[1]] });
      setTimeout(() => {
        job.status = { ...job.status, state: "done" };
        ring(job.status.id, { type: "done", chunks: counts });
      }, 13_500);
      const res = await fetch(`http://127.0.0.1:${server.server.port}/v1/jobs/${job.status.id}/results?wait=60`, auth(ALICE.key));
      expect(res.status).toBe(200);
      expect(await lines(res)).toEqual([1]);
    } finally {
      server.server.stop(true);
    }
  }, 30_000);
});

describe("GET /v1/jobs/:id/results?partial=1", () => {
  test("the completed prefix in input order, whatever the job's state; offset skips items already read", async () => {
    const job = t.fakes.addJob(ALICE.id, { state: "running", results: [[1, 2], [3], null, [5]] });
    const res = await results(job.status.id, "partial=1");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/x-ndjson");
    expect(res.headers.get("x-medusa-job-state")).toBe("running");
    expect(await lines(res)).toEqual([1, 2, 3]);
    expect(await lines(await results(job.status.id, "partial=1&offset=2"))).toEqual([3]);
    expect(await lines(await results(job.status.id, "partial=true&offset=9"))).toEqual([]);
  });

  test("with wait, the answer goes on as chunks land and ends when the job is done", async () => {
    const job = t.fakes.addJob(ALICE.id, { state: "running", results: [[1], null, null] });
    const res = await results(job.status.id, "partial=1&wait=60");
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = "";
    const readUntil = async (want: string) => {
      while (!text.includes(want)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended before ${JSON.stringify(want)}: ${text}`);
        text += decoder.decode(value);
      }
    };
    await readUntil("1\n");
    job.results[1] = JSON.stringify([2, 3]);
    ring(job.status.id, { type: "chunk", index: 1, task: "map", nodeId: "n1", chunks: counts }, 1);
    await readUntil("3\n");
    job.results[2] = JSON.stringify([4]);
    job.status = { ...job.status, state: "done" };
    ring(job.status.id, { type: "done", chunks: counts }, 2);
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value);
    }
    expect(text).toBe("1\n2\n3\n4\n");
  });

  test("a failed job ends its prefix with one line naming the error and the first missing chunk", async () => {
    const error = "chunk 1 failed 3 times: item 0: ZeroDivisionError: division by zero";
    const job = t.fakes.addJob(ALICE.id, { state: "failed", results: [[1], null, [3]], error });
    expect(await lines(await results(job.status.id, "partial=1&wait=60"))).toEqual([1, { error, chunk: 1 }]);
    const cancelled = t.fakes.addJob(ALICE.id, { state: "cancelled", results: [[1], null] });
    expect(await lines(await results(cancelled.status.id, "partial=1"))).toEqual([1, { error: "job was cancelled", chunk: 1 }]);
  });

  test("a done job with a reduce still gives its map results", async () => {
    const job = t.fakes.addJob(ALICE.id, { state: "done", results: [[1], [2]], reduce: 3 });
    expect(await lines(await results(job.status.id, "partial=1"))).toEqual([1, 2]);
  });

  test("pages cut short to fit one bus message (through) are followed from where they stop", async () => {
    const chunks = Array.from({ length: 30 }, (_, c) => ["x".repeat(c * 10)]);
    t.fakes.resultsPageChars = 1000;
    const job = t.fakes.addJob(ALICE.id, { state: "running", results: chunks });
    expect(await lines(await results(job.status.id, "partial=1"))).toEqual(chunks.flat());
    expect(t.fakes.calls.jobResults!.length).toBeGreaterThan(3);
  });
});
