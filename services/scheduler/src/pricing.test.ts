import { afterAll, expect, test } from "bun:test";
import { accountFileKey, JobSpec, MedusaError } from "@medusa/core";
import { scratchBlobs } from "@medusa/testing/scratch-blobs";
import { jobRecord } from "@medusa/adapters/chunks/chunk-store.fixtures";
import { overBudget, quoteJob } from "./pricing.ts";

const scratch = scratchBlobs("medusa-pricing");
afterAll(() => scratch.remove());
const { blobs } = scratch;
const MAP = { runtime: "python", source: "def map(x):\n    return x\n" };
const MAP_REDUCE = { runtime: "python", source: "def map(x):\n    return x\n\ndef reduce(rs):\n    return sum(rs)\n" };
const spec = (over: object) => JobSpec.parse({ program: MAP, input: { range: { stop: 100 } }, chunkSize: 10, ...over });

test("the escrow holds chunks × replicas × price; \"auto\" is held as 2 replicas", async () => {
  expect(await quoteJob(spec({ replicas: 3 }), "acc", blobs, 2)).toMatchObject({ chunks: 10, held: 60 });
  expect(await quoteJob(spec({ replicas: "auto", program: MAP_REDUCE }), "acc", blobs, 2)).toMatchObject({ chunks: 11, held: 44 });
  const refused = await quoteJob(spec({ replicas: "auto", program: MAP_REDUCE, maxCredits: 43 }), "acc", blobs, 2);
  expect(refused.refused).toBe("this job can cost up to 44 credits (11 chunks × 2 replicas × 2 per chunk), more than maxCredits 43");
});

test("a quote is the whole worst case: exact for a range and items, with the reduce chunk counted", async () => {
  expect(await quoteJob(spec({ input: { range: { stop: 1000 } }, chunkSize: 10, pricePerChunk: 1 }), undefined, blobs, 9)).toEqual({
    chunks: 100, exact: true, reduce: false, replicas: 1, pricePerChunk: 1, worstCase: 100, held: 100,
  });
  expect(await quoteJob(spec({ input: { range: { stop: 1000 } }, chunkSize: 300, replicas: 2, pricePerChunk: 5, program: MAP_REDUCE }), undefined, blobs, 1)).toMatchObject({
    chunks: 5, reduce: true, worstCase: 50,
  });
  expect(await quoteJob(spec({ input: { items: [1, 2, 3] }, chunkSize: 2, maxCredits: 100 }), undefined, blobs, 3)).toMatchObject({ chunks: 2, worstCase: 6, held: 6 });
});

test("a file is bounded from its size and held up to maxCredits, never refused for the bound; it needs its owner", async () => {
  await blobs.put(accountFileKey("acc", "a.txt"), "x".repeat(1000));
  const file = spec({ input: { file: "a.txt", format: "jsonl" }, chunkSize: 10, maxCredits: 7 });
  expect(await quoteJob(file, "acc", blobs, 1)).toEqual({ chunks: 51, exact: false, reduce: false, replicas: 1, pricePerChunk: 1, worstCase: 51, held: 7 });
  const anonymous = await quoteJob(file, undefined, blobs, 1).catch((e: unknown) => e);
  expect(anonymous).toBeInstanceOf(MedusaError);
  expect((anonymous as MedusaError).code).toBe("unauthorized");
  expect(await quoteJob(spec({ input: { file: "nope.txt" } }), "acc", blobs, 1).catch((e: MedusaError) => e.code)).toBe("not_found");
});

test("a job whose input outgrows what its escrow pays for is stopped before the chunks that would pass it", () => {
  const job = jobRecord({ hasReduce: true, replicas: 2, credits: { price: 2, held: 40, spent: 0 }, chunks: { total: 8, done: 0, running: 0, failed: 0 } });
  expect(overBudget(job, 1)).toBeNull();
  expect(overBudget(job, 2)).toBe("the input has more than 9 chunks, more than the 40 credits held pay for at 4 per chunk; raise maxCredits");
  expect(overBudget({ ...job, credits: { price: 0, held: 0, spent: 0 } }, 1000)).toBeNull();
});

test("binary inputs are priced exactly: a folder's files and a file's records, in chunks capped by bytes as well as items", async () => {
  for (let i = 0; i < 25; i++) await blobs.put(accountFileKey("acc", `scans/${String(i).padStart(2, "0")}.png`), new Uint8Array(100 + i));
  await blobs.put(accountFileKey("acc", "scans/notes.txt"), "not a scan");
  expect(await quoteJob(spec({ input: { files: "scans" }, chunkSize: 10 }), "acc", blobs, 1)).toMatchObject({ chunks: 3, exact: true, worstCase: 3 });
  expect(await quoteJob(spec({ input: { files: "scans/*.png" }, chunkSize: 5 }), "acc", blobs, 1)).toMatchObject({ chunks: 5, exact: true });
  await blobs.put(accountFileKey("acc", "records.bin"), new Uint8Array(1000));
  // 1000 bytes in records of 64 make 16 records (the last one 40 bytes), 4 to a chunk.
  expect(await quoteJob(spec({ input: { file: "records.bin", format: "binary", itemBytes: 64 }, chunkSize: 4 }), "acc", blobs, 1)).toMatchObject({ chunks: 4, exact: true });
  const anonymous = await quoteJob(spec({ input: { files: "scans" } }), undefined, blobs, 1).catch((e: MedusaError) => e);
  expect(anonymous).toMatchObject({ code: "unauthorized", message: "input.files: a files input names your files: send your credentials to price it" });
  expect(await quoteJob(spec({ input: { files: "empty" } }), "acc", blobs, 1).catch((e: MedusaError) => e.message)).toBe("input.files: no files under empty/");
});
