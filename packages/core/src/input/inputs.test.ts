import { afterAll, describe, expect, test } from "bun:test";
import { scratchBlobs } from "@medusa/testing/scratch-blobs";
import { collect } from "@medusa/testing/streams";
import { accountFileKey } from "./account-files.ts";
import { readChunkItems } from "./chunk-items.ts";
import { chunkCount, inputChunks, inputItems, measureInput } from "./inputs.ts";
import { JobInput } from "./job-input.ts";

const scratch = scratchBlobs("inputs");
afterAll(() => scratch.remove());
const from = { owner: "acc_in", blobs: scratch.blobs };
const put = (path: string, text: string) => scratch.blobs.put(accountFileKey(from.owner, path), text);

/** A job's items for `input`: its chunks read back as a node gets them. */
async function chunked(input: JobInput, chunkSize: number, inlineMaxBytes?: number): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const chunk of inputChunks(input, from, { jobId: "job_in", chunkSize, inlineMaxBytes })) {
    if (chunk.input.kind === "results") throw new Error("a map input has no results chunk");
    expect(chunk.offset).toBe(out.length);
    const items = await readChunkItems(chunk.input, scratch.blobs);
    expect(items.length).toBe(chunk.count);
    out.push(...items);
  }
  return out;
}

describe("the input module", () => {
  test("a CRLF file gives the same items read whole (a session) and chunked (a job): no trailing \\r", async () => {
    await put("crlf.txt", "a\r\nb\r\n");
    const input = JobInput.parse({ file: "crlf.txt" });
    expect(await collect(inputItems(input, from))).toEqual(["a", "b"]);
    expect(await chunked(input, 1)).toEqual(["a", "b"]);
  });

  test("every kind reads the same items whole as chunked, inline or through the blob store", async () => {
    await put("mixed.jsonl", '{"a":1}\n\n[2]\r\n"three"\nnull');
    await put("arr.json", '[1, "x ] y", {"k": [","]}, [], 5]');
    await put("plain.txt", "x".repeat(70) + "\n" + "y".repeat(70) + "\n\nz");
    const inputs = [
      { range: { start: 3, stop: 20, step: 4 } },
      { range: { start: 10, stop: 0, step: -3 } },
      { items: [1, "two", { three: 3 }, null, [5]] },
      { file: "mixed.jsonl", format: "jsonl" },
      { file: "arr.json", format: "json" },
      { file: "plain.txt" },
    ].map((i) => JobInput.parse(i));
    for (const input of inputs) {
      const whole = await collect(inputItems(input, from));
      // 100 bytes sends the long lines' chunk to the blob store.
      for (const [size, inline] of [[1, undefined], [2, 100], [1000, undefined]] as const) expect(await chunked(input, size, inline), JSON.stringify(input)).toEqual(whole);
      const measured = await measureInput(input, from);
      if (measured.exact) expect(measured.items).toBe(whole.length);
      else expect(measured.items).toBeGreaterThanOrEqual(whole.length);
    }
  });

  test("a range and inline items are counted exactly; a file is bounded from its size by its format", async () => {
    expect(await measureInput(JobInput.parse({ range: { stop: 1000 } }), from)).toEqual({ items: 1000, exact: true });
    expect(await measureInput(JobInput.parse({ range: { start: 10, stop: 0, step: -3 } }), from)).toEqual({ items: 4, exact: true });
    expect(await measureInput(JobInput.parse({ range: { start: 5, stop: 0 } }), from)).toEqual({ items: 0, exact: true });
    expect(await measureInput(JobInput.parse({ items: [1, 2, 3] }), from)).toEqual({ items: 3, exact: true });
    await put("k.txt", "x".repeat(1000));
    expect(await measureInput(JobInput.parse({ file: "k.txt", format: "lines" }), from)).toEqual({ items: 1000, exact: false });
    expect(await measureInput(JobInput.parse({ file: "k.txt", format: "jsonl" }), from)).toEqual({ items: 501, exact: false });
    expect(await measureInput(JobInput.parse({ file: "k.txt", format: "json" }), from)).toEqual({ items: 501, exact: false });
    expect(chunkCount(1000, 10)).toBe(100);
    expect(chunkCount(1000, 300)).toBe(4);
    expect(chunkCount(0, 5)).toBe(0);
  });

  test("a missing file is not_found and a path out of the account's folder is refused, when measured or read", async () => {
    const missing = JobInput.parse({ file: "nope.txt" });
    await expect(measureInput(missing, from)).rejects.toMatchObject({ code: "not_found", message: "input file nope.txt not found" });
    await expect(collect(inputItems(missing, from))).rejects.toMatchObject({ code: "not_found" });
    const climbing = JobInput.parse({ file: "../other/files/x.txt" });
    await expect(measureInput(climbing, from)).rejects.toMatchObject({ code: "invalid_field", message: "input file ../other/files/x.txt is not a valid path" });
    await expect(collect(inputChunks(climbing, from, { jobId: "j", chunkSize: 1 }))).rejects.toMatchObject({ code: "invalid_field" });
  });
});
