import { afterAll, describe, expect, test } from "bun:test";
import { accountFileKey, inputChunks, limits, readChunkItems, type JobInput } from "@medusa/core";
import { scratchBlobs } from "@medusa/testing/scratch-blobs";
import { partition, sessionItems } from "./session-input.ts";

const scratch = scratchBlobs("session-input");
afterAll(() => scratch.remove());
const { blobs } = scratch;
const OWNER = "acc_s";

/** What a job's chunks hold for the same input, flattened: the items a job runs over. */
async function jobItems(input: JobInput): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const chunk of inputChunks(input, { owner: OWNER, blobs }, { jobId: "job_s", chunkSize: 2 })) {
    if (chunk.input.kind === "results") throw new Error("a map input has no results chunk");
    out.push(...(await readChunkItems(chunk.input, blobs)));
  }
  return out;
}

describe("sessionItems", () => {
  test("binary items are refused with a 400 naming the field: a session's items travel inline", async () => {
    await blobs.put(accountFileKey(OWNER, "scans/a.png"), "png");
    for (const [input, field] of [[{ files: "scans" }, "input.files"], [{ file: "scans/a.png", format: "binary", itemBytes: 1 }, "input.format"]] as const) {
      const err = await sessionItems(OWNER, input as JobInput, blobs).catch((e) => e);
      expect(err).toMatchObject({ code: "invalid_field", message: `${field}: a session takes no binary items (files or binary records); run them as a job, or read them in a job's map` });
    }
  });

  test("a CRLF file gives a session the same items as a job: no trailing \\r", async () => {
    await blobs.put(accountFileKey(OWNER, "crlf.txt"), "a\r\nb\r\n");
    const input: JobInput = { file: "crlf.txt", format: "lines" };
    expect(await sessionItems(OWNER, input, blobs)).toEqual(["a", "b"]);
    expect(await jobItems(input)).toEqual(["a", "b"]);
  });

  test("every kind and format reads as a job reads it", async () => {
    await blobs.put(accountFileKey(OWNER, "in.jsonl"), '{"x":1}\r\n\r\n[2]\n  \n"three"');
    await blobs.put(accountFileKey(OWNER, "in.json"), ' [1, {"a": [2, "]"]}, "c"] ');
    const inputs: JobInput[] = [
      { file: "in.jsonl", format: "jsonl" },
      { file: "in.json", format: "json" },
      { range: { start: 10, stop: 0, step: -3 } },
      { items: [1, "two", null] },
    ];
    for (const input of inputs) expect(await sessionItems(OWNER, input, blobs), JSON.stringify(input)).toEqual(await jobItems(input));
    expect(await sessionItems(OWNER, inputs[0]!, blobs)).toEqual([{ x: 1 }, [2], "three"]);
  });

  test("a bad file names the file and where it went wrong; a missing one is not_found", async () => {
    await blobs.put(accountFileKey(OWNER, "bad.jsonl"), "1\n{oops\n");
    await expect(sessionItems(OWNER, { file: "bad.jsonl", format: "jsonl" }, blobs)).rejects.toThrow(/^input file bad\.jsonl: line 2: /);
    await expect(sessionItems(OWNER, { file: "nope.txt", format: "lines" }, blobs)).rejects.toMatchObject({ code: "not_found" });
  });

  test("a range too big for a session is refused before anything is made", async () => {
    await expect(sessionItems(OWNER, { range: { start: 0, stop: limits.sessionItems + 1, step: 1 } }, blobs)).rejects.toMatchObject({ code: "payload_too_large" });
  });
});

test("partitions are contiguous and near-equal", () => {
  expect(partition([1, 2, 3, 4, 5], 2)).toEqual([[1, 2, 3], [4, 5]]);
});
