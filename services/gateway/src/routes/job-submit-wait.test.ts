import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { emit, events, type JobEvent, type NewJobEvent } from "@medusa/core";
import { ALICE, jsonInit, type FakeJob } from "@medusa/testing/fake-services";
import { testGateway, type TestGateway } from "../../test/test-gateway.ts";

let t: TestGateway;
beforeEach(() => (t = testGateway()));
afterEach(() => t.close());

const spec = { program: { runtime: "python", source: "def map(x):\n    return x + 1\n" }, input: { items: [1, 2, 3] }, chunkSize: 2 };
const submit = (query: string, body: unknown = spec) => t.app.request(`/v1/jobs?${query}`, jsonInit(ALICE.key, body));
const counts = { total: 2, done: 2, running: 0, failed: 0 };
const ring = (jobId: string, event: NewJobEvent, id = 1) => emit(t.bus, events.jobEvents, [{ id, ...event } as JobEvent], jobId);
/** The job the fake scheduler created for the last submit, once it has. */
const created = async () => {
  const calls = (await t.fakes.called("createJob")) as Array<{ jobId?: string }>;
  return t.fakes.jobs.get(calls.at(-1)!.jobId!)!;
};
const end = (job: FakeJob, state: "done" | "failed", results: Array<unknown[] | null>, error?: string) => {
  job.results = results.map((r) => (r === null ? null : JSON.stringify(r)));
  job.status = { ...job.status, state, chunks: counts, ...(error ? { error } : {}) };
  ring(job.status.id, state === "done" ? { type: "done", chunks: counts } : { type: "failed", error: error!, chunks: counts });
};
const pendingAfter = (promise: Promise<unknown> | unknown, ms: number) => Promise.race([Promise.resolve(promise).then(() => false), Bun.sleep(ms).then(() => true)]);

describe("POST /v1/jobs?wait=", () => {
  test("holds the answer until the job ends: 200 with its status and results, from one results read and no status reads", async () => {
    const answer = submit("wait=60");
    const job = await created();
    expect(job.status.id).toMatch(/^job_[A-Za-z0-9_-]{16}$/);
    // Other events ring but do not end the wait.
    ring(job.status.id, { type: "leased", index: 0, task: "map", nodeId: "n1", chunks: counts }, 1);
    expect(await pendingAfter(answer, 300)).toBe(true);
    end(job, "done", [[2, 3], [4]]);
    const res = await answer;
    expect(res.status).toBe(200);
    const run = (await res.json()) as any;
    expect(run).toMatchObject({ id: job.status.id, state: "done", chunks: counts, results: [2, 3, 4] });
    expect(t.fakes.calls.jobResults).toHaveLength(1);
    expect(t.fakes.calls.getJob).toBeUndefined();
  });

  test("a job that ends while its create request is still being answered is not missed", async () => {
    // The scheduler answers with the status it read, but the job's end event is already out.
    t.fakes.onCreateJob = (job) => end(job, "done", [[2, 3], [4]]);
    const started = Date.now();
    const res = await submit("wait=3");
    expect(res.status).toBe(200);
    expect(((await res.json()) as any).results).toEqual([2, 3, 4]);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  test("a failed job: 200 with its error, and what finished with {error, chunk} in place of the chunk that did not", async () => {
    const error = "chunk 1 failed 3 times: item 2: ValueError: no";
    const answer = submit("wait=60");
    end(await created(), "failed", [[2, 3], null], error);
    const res = await answer;
    expect(res.status).toBe(200);
    expect((await res.json()) as any).toMatchObject({ state: "failed", error, results: [2, 3, { error, chunk: 1 }] });
  });

  test("a done job with a reduce answers its value; a cancelled one its status alone", async () => {
    t.fakes.onCreateJob = (job) => {
      job.hasReduce = true;
      job.reduce = JSON.stringify({ sum: 9 });
      end(job, "done", [[2, 3], [4]]);
    };
    const reduced = (await (await submit("wait=5")).json()) as any;
    expect(reduced.reduce).toEqual({ sum: 9 });
    expect(reduced.results).toBeUndefined();
    t.fakes.onCreateJob = (job) => {
      job.status = { ...job.status, state: "cancelled" };
      ring(job.status.id, { type: "cancelled", chunks: counts });
    };
    const res = await submit("wait=5");
    expect(res.status).toBe(200);
    const cancelled = (await res.json()) as any;
    expect([cancelled.state, cancelled.results]).toEqual(["cancelled", undefined]);
  });

  test("still running when the wait runs out: the plain submit's 202 with the job's status, to read the results from the results route", async () => {
    const started = Date.now();
    const answer = submit("wait=1");
    const job = await created();
    job.status = { ...job.status, state: "running" };
    const res = await answer;
    expect(res.status).toBe(202);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect((await res.json()) as any).toMatchObject({ id: job.status.id, state: "running" });
    end(job, "done", [[2, 3], [4]]);
    const results = await t.app.request(`/v1/jobs/${job.status.id}/results?wait=5`, jsonInit(ALICE.key, undefined, "GET"));
    expect((await results.text()).split("\n").filter(Boolean)).toEqual(["2", "3", "4"]);
  });

  test("a bad wait is a 400 naming it, and no job is created; without wait the submit is the plain 202", async () => {
    for (const query of ["wait=soon", "wait=-1"]) {
      const res = await submit(query);
      expect(res.status, query).toBe(400);
      const { error } = (await res.json()) as any;
      expect(error.code).toBe("invalid_field");
      expect(error.message).toStartWith("wait: ");
    }
    expect(t.fakes.calls.createJob).toBeUndefined();
    const plain = await submit("wait=0");
    expect(plain.status).toBe(202);
    expect(((await t.fakes.called("createJob")) as any[])[0].jobId).toBeUndefined();
  });
});
