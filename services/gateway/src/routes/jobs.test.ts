import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { ALICE, auth, BOB, jsonInit, NODE } from "@medusa/testing/fake-services";
import { testGateway, type TestGateway } from "../../test/test-gateway.ts";

let t: TestGateway;
beforeEach(() => (t = testGateway()));
afterEach(() => t.close());

const python = { runtime: "python", source: "def map(x):\n    return x * x\n" };
const submit = (body: unknown, key = ALICE.key) => t.app.request("/v1/jobs", jsonInit(key, body));
const errorOf = async (res: Response) => ((await res.json()) as any).error;

describe("POST /v1/jobs", () => {
  test("a valid spec goes to the scheduler with its defaults: 202", async () => {
    const res = await submit({ program: python, input: { range: { stop: 10 } }, chunkSize: 5 });
    expect(res.status).toBe(202);
    const status = (await res.json()) as any;
    expect(status.state).toBe("queued");
    const [req] = (await t.fakes.called("createJob")) as any[];
    expect(req.owner).toBe(ALICE.id);
    expect(req.spec.input).toEqual({ range: { start: 0, stop: 10, step: 1 } });
    expect(req.spec.replicas).toBe(1);
  });

  test("bad specs are 400 naming the field, and nothing is created", async () => {
    const cases: Array<[unknown, string]> = [
      [{ program: python, input: { range: { stop: 10 } }, chunkSize: 0 }, "chunkSize"],
      [{ program: python, input: { range: { stop: 10 } }, chunkSize: "5" }, "chunkSize"],
      [{ program: { runtime: "python", source: "" }, input: { items: [1] } }, "program.source"],
      [{ program: { runtime: "cobol", source: "x" }, input: { items: [1] } }, "program.runtime"],
      [{ program: python, input: { url: "http://x" } }, "input"],
      [{ program: python }, "input"],
    ];
    for (const [body, field] of cases) {
      const res = await submit(body);
      expect(res.status, field).toBe(400);
      const error = await errorOf(res);
      expect(error.code).toBe("invalid_field");
      expect(error.message.split(":")[0], JSON.stringify(body)).toBe(field);
    }
    expect((await submit("{not json")).status).toBe(400);
    expect(t.fakes.calls.createJob).toBeUndefined();
  });

  test("replicas 1–5 or \"auto\" and a quorum up to replicas go to the scheduler; anything else is 400 naming the field", async () => {
    for (const replicas of [2, 5, "auto"]) expect((await submit({ program: python, input: { items: [1] }, replicas })).status).toBe(202);
    expect((await submit({ program: python, input: { items: [1] }, replicas: 3, quorum: 3 })).status).toBe(202);
    const sent = (await t.fakes.called("createJob")) as any[];
    expect(sent.map((r) => [r.spec.replicas, r.spec.quorum])).toEqual([[2, undefined], [5, undefined], ["auto", undefined], [3, 3]]);
    const cases: Array<[unknown, string, string]> = [
      [{ replicas: 6 }, "replicas", "Too big: expected number to be <=5"],
      [{ replicas: "many" }, "replicas", 'replicas must be a whole number from 1 to 5, or "auto"'],
      [{ replicas: 2, quorum: 3 }, "quorum", "quorum must be at most replicas (2)"],
      [{ replicas: "auto", quorum: 1 }, "quorum", 'quorum is fixed at 2 with replicas "auto"'],
      [{ quorum: 0 }, "quorum", "Too small: expected number to be >=1"],
    ];
    for (const [extra, field, message] of cases) {
      const res = await submit({ program: python, input: { items: [1] }, ...(extra as object) });
      expect(res.status, JSON.stringify(extra)).toBe(400);
      expect((await errorOf(res)).message).toBe(`${field}: ${message}`);
    }
    expect(t.fakes.calls.createJob).toHaveLength(4);
  });

  test("a WASI module and an input file must be among the caller's files", async () => {
    const wasi = { runtime: "wasi", module: "prog.wasm" };
    let res = await submit({ program: wasi, input: { items: [1] } });
    expect(res.status).toBe(400);
    expect((await errorOf(res)).message).toStartWith("program.module: ");

    res = await submit({ program: python, input: { file: "in.txt" } });
    expect(res.status).toBe(400);
    expect((await errorOf(res)).message).toStartWith("input.file: ");

    res = await submit({ program: python, input: { file: "../x" } });
    expect((await errorOf(res)).message).toStartWith("input.file: ");

    // Bob's files are not Alice's.
    await t.app.request("/v1/files/prog.wasm", auth(BOB.key, { method: "PUT", body: "wasm" }));
    await t.app.request("/v1/files/in.txt", auth(BOB.key, { method: "PUT", body: "1\n" }));
    expect((await submit({ program: wasi, input: { file: "in.txt" } })).status).toBe(400);
    expect(t.fakes.calls.createJob).toBeUndefined();
    expect((await submit({ program: wasi, input: { file: "in.txt" } }, BOB.key)).status).toBe(202);
  });
});

describe("POST /v1/jobs/quote", () => {
  const quote = (body: unknown, key: string | null = null) => t.app.request("/v1/jobs/quote", jsonInit(key, body));

  test("anyone may price a job without a file; an account's quote goes to the scheduler as that account; nothing is created", async () => {
    const body = { program: python, input: { range: { stop: 10 } }, chunkSize: 5 };
    const anonymous = await quote(body);
    expect(anonymous.status).toBe(200);
    expect(await anonymous.json()).toEqual({ chunks: 4, exact: true, reduce: false, replicas: 1, pricePerChunk: 1, worstCase: 4, held: 4 });
    expect((await quote(body, ALICE.key)).status).toBe(200);
    const sent = (await t.fakes.called("quoteJob", 2)) as any[];
    expect(sent.map((r) => r.owner)).toEqual([undefined, ALICE.id]);
    expect(sent[0].spec.input).toEqual({ range: { start: 0, stop: 10, step: 1 } });
    expect(t.fakes.calls.createJob).toBeUndefined();
  });

  test("the body is checked as a job's is; a file input needs its owner's credentials and the file", async () => {
    const bad = await quote({ program: python, input: { range: { stop: 10 } }, chunkSize: 0 });
    expect(bad.status).toBe(400);
    expect((await errorOf(bad)).message.split(":")[0]).toBe("chunkSize");
    const file = { program: python, input: { file: "in.txt" } };
    const anonymous = await quote(file);
    expect(anonymous.status).toBe(401);
    expect((await errorOf(anonymous)).message).toStartWith("input.file: ");
    expect((await quote(file, ALICE.key)).status).toBe(400);
    await t.app.request("/v1/files/in.txt", auth(ALICE.key, { method: "PUT", body: "1\n2\n" }));
    expect((await quote(file, ALICE.key)).status).toBe(200);
    expect((await quote(file, "key-wrong")).status).toBe(401);
    expect((await quote(file, NODE.token)).status).toBe(403);
    expect(t.fakes.calls.quoteJob).toHaveLength(1);
  });
});

describe("reading jobs", () => {
  test("get, list and cancel go to the scheduler as the caller", async () => {
    const job = t.fakes.addJob(ALICE.id);
    t.fakes.addJob(BOB.id);
    const got = await t.app.request(`/v1/jobs/${job.status.id}`, auth(ALICE.key));
    expect(got.status).toBe(200);
    expect(((await got.json()) as any).id).toBe(job.status.id);
    const list = (await (await t.app.request("/v1/jobs", auth(ALICE.key))).json()) as any;
    expect(list.jobs.map((j: any) => j.id)).toEqual([job.status.id]);
    const cancelled = await t.app.request(`/v1/jobs/${job.status.id}/cancel`, auth(ALICE.key, { method: "POST" }));
    expect(((await cancelled.json()) as any).state).toBe("cancelled");
  });

  test("an unknown job and another account's job are both 404", async () => {
    const bobs = t.fakes.addJob(BOB.id, { state: "done", results: [[1]] });
    for (const path of ["/v1/jobs/job_nope", `/v1/jobs/${bobs.status.id}`, `/v1/jobs/${bobs.status.id}/results`]) {
      const res = await t.app.request(path, auth(ALICE.key));
      expect(res.status, path).toBe(404);
      expect((await errorOf(res)).code).toBe("not_found");
    }
    expect((await t.app.request(`/v1/jobs/${bobs.status.id}/cancel`, auth(ALICE.key, { method: "POST" }))).status).toBe(404);
  });
});

describe("GET /v1/jobs/:id/results", () => {
  test("JSON Lines, one item per line, in chunk order across pages", async () => {
    // 1200 chunks is more than two pages of 500.
    const results = Array.from({ length: 1200 }, (_, c) => [c * 2, { chunk: c }]);
    results[3] = [];
    const job = t.fakes.addJob(ALICE.id, { state: "done", results });
    const res = await t.app.request(`/v1/jobs/${job.status.id}/results`, auth(ALICE.key));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/x-ndjson");
    const lines = (await res.text()).split("\n");
    expect(lines.pop()).toBe("");
    expect(lines.map((l) => JSON.parse(l))).toEqual(results.flat());
    expect(t.fakes.calls.jobResults!.map((r: any) => r.from)).toEqual([0, 500, 1000]);
  });

  test("pages cut short to fit one bus message (through) are followed from where they stop, nothing lost or repeated", async () => {
    const results: Array<unknown[] | null> = Array.from({ length: 40 }, (_, c) => (c === 7 ? null : ["x".repeat(c * 10)]));
    t.fakes.resultsPageChars = 1000;
    const job = t.fakes.addJob(ALICE.id, { state: "failed", results, error: "boom" });
    const res = await t.app.request(`/v1/jobs/${job.status.id}/results`, auth(ALICE.key));
    const lines = (await res.text()).trimEnd().split("\n").map((l) => JSON.parse(l));
    expect(lines).toEqual(results.map((r, c) => (r === null ? { error: "boom", chunk: c } : r[0])));
    const froms = t.fakes.calls.jobResults!.map((r: any) => r.from);
    expect(froms.length).toBeGreaterThan(3);
    expect(froms[0]).toBe(0);
  });

  test("a job with reduce returns the reduce value as JSON", async () => {
    const job = t.fakes.addJob(ALICE.id, { state: "done", results: [[1, 2]], reduce: { sum: 3 } });
    const res = await t.app.request(`/v1/jobs/${job.status.id}/results`, auth(ALICE.key));
    expect(res.headers.get("content-type")).toBe("application/json");
    expect(await res.json()).toEqual({ sum: 3 });
  });

  test("a failed job gives what finished, in input order, and one line naming the job's error for each chunk that did not", async () => {
    // Two pages of chunks, and a whole page (500..999) with nothing finished in it.
    const results: Array<unknown[] | null> = Array.from({ length: 1100 }, (_, c) => (c === 1 || (c >= 500 && c < 1000) ? null : [c]));
    const error = "chunk 1 failed 3 times: item 3: ZeroDivisionError";
    const job = t.fakes.addJob(ALICE.id, { state: "failed", results, reduce: 0, error });
    const res = await t.app.request(`/v1/jobs/${job.status.id}/results`, auth(ALICE.key));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/x-ndjson");
    const lines = (await res.text()).trimEnd().split("\n").map((l) => JSON.parse(l));
    expect(lines).toEqual(results.map((r, c) => (r === null ? { error, chunk: c } : c)));
  });

  test("a job that is not done is 409 naming its state", async () => {
    const job = t.fakes.addJob(ALICE.id, { state: "running" });
    const res = await t.app.request(`/v1/jobs/${job.status.id}/results`, auth(ALICE.key));
    expect(res.status).toBe(409);
    const error = await errorOf(res);
    expect(error.code).toBe("conflict");
    expect(error.message).toContain("running");
    expect(error.details).toEqual({ state: "running" });
    expect(error.message).toBe("job is running: its results can be read once it is done");
  });
});
