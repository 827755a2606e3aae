import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { ALICE } from "@medusa/testing/fake-services";
import { testGateway, type TestGateway } from "../../test/test-gateway.ts";
import { chunkItems, rangeItems } from "./chunk-items.ts";

let t: TestGateway;
beforeEach(() => (t = testGateway()));
afterEach(() => t.close());

const job = (jobId = "job_x") => ({ jobId, owner: ALICE.id });

describe("chunkItems", () => {
  test("ranges expand both ways and stop before `stop`", () => {
    expect(rangeItems({ start: 0, stop: 5, step: 2 })).toEqual([0, 2, 4]);
    expect(rangeItems({ start: 5, stop: 0, step: -2 })).toEqual([5, 3, 1]);
    expect(rangeItems({ start: 3, stop: 3, step: 1 })).toEqual([]);
    expect(rangeItems({ start: 3, stop: 0, step: 1 })).toEqual([]);
  });

  test("blob chunks: a JSON array, or raw lines / JSON Lines", async () => {
    await t.blobs.put("jobs/j/chunks/0.json", JSON.stringify([1, "two", { three: 3 }]));
    await t.blobs.put("jobs/j/chunks/1.txt", "a\r\nb\n\nc\n");
    await t.blobs.put("jobs/j/chunks/2.jsonl", '{"x":1}\n[2]\n');
    expect(await chunkItems(t, job(), { kind: "blob", key: "jobs/j/chunks/0.json", format: "json" })).toEqual([1, "two", { three: 3 }]);
    expect(await chunkItems(t, job(), { kind: "blob", key: "jobs/j/chunks/1.txt", format: "lines" })).toEqual(["a", "b", "", "c"]);
    expect(await chunkItems(t, job(), { kind: "blob", key: "jobs/j/chunks/2.jsonl", format: "jsonl" })).toEqual([{ x: 1 }, [2]]);
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
