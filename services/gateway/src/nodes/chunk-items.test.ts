import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { ALICE } from "@medusa/testing/fake-services";
import { testGateway, type TestGateway } from "../../test/test-gateway.ts";
import { chunkItems } from "./chunk-items.ts";

let t: TestGateway;
beforeEach(() => (t = testGateway()));
afterEach(() => t.close());

const job = (jobId = "job_x") => ({ jobId, owner: ALICE.id });

describe("chunkItems", () => {
  test("ranges expand and inline items pass as they are", async () => {
    expect(await chunkItems(t, job(), { kind: "range", start: 5, stop: 0, step: -2 })).toEqual([5, 3, 1]);
    expect(await chunkItems(t, job(), { kind: "items", items: [1, "a"] })).toEqual([1, "a"]);
  });

  test("blob chunks: a JSON array", async () => {
    await t.blobs.put("jobs/j/chunks/0.json", JSON.stringify([1, "two", { three: 3 }]));
    expect(await chunkItems(t, job(), { kind: "blob", key: "jobs/j/chunks/0.json", format: "json" })).toEqual([1, "two", { three: 3 }]);
    expect(chunkItems(t, job(), { kind: "blob", key: "jobs/j/chunks/9.json", format: "json" })).rejects.toThrow("missing");
  });

  test("a reduce chunk gets every map result in order, across pages", async () => {
    const results = Array.from({ length: 700 }, (_, i) => [i, `r${i}`]);
    const j = t.fakes.addJob(ALICE.id, { state: "running", results });
    const items = await chunkItems(t, job(j.status.id), { kind: "results" });
    expect(items).toEqual(results.flat());
    expect(t.fakes.calls.jobResults).toHaveLength(2);
  });
});
