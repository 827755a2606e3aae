import { afterAll, describe, expect, test } from "bun:test";
import { scratchBlobs } from "@medusa/testing/scratch-blobs";
import { collect } from "@medusa/testing/streams";
import { limits } from "../limits.ts";
import { accountFileKey } from "./account-files.ts";
import { binaryItemBytes, binaryItems, groupFiles, isBinaryChunk } from "./binary-items.ts";
import { readChunkItems } from "./chunk-items.ts";
import { inputChunks, inputItems, measureChunks } from "./inputs.ts";
import { JobInput } from "./job-input.ts";

const scratch = scratchBlobs("binary-items");
afterAll(() => scratch.remove());
const from = { owner: "acc_bin", blobs: scratch.blobs };
const put = (path: string, body: string | Uint8Array) => scratch.blobs.put(accountFileKey(from.owner, path), body);
const chunksOf = (input: unknown, chunkSize: number) => collect(inputChunks(JobInput.parse(input), from, { jobId: "job_b", chunkSize }));
const ref = (path: string, size: number) => ({ path, size, sha256: "x" });

describe("files inputs", () => {
  test("a folder's files, every depth, in name order; a glob picks among them; measured as chunked", async () => {
    for (const name of ["b.png", "a.png", "deep/c.png", "notes.txt"]) await put(`pics/${name}`, `bytes of ${name}`);
    await put("pictures-not-pics/x.png", "elsewhere");
    const chunks = await chunksOf({ files: "pics/" }, 2);
    const items = (await Promise.all(chunks.map((c) => readChunkItems(c.input as never, scratch.blobs)))).flat();
    expect(items).toEqual([
      { name: "pics/a.png", size: 14 },
      { name: "pics/b.png", size: 14 },
      { name: "pics/deep/c.png", size: 19 },
      { name: "pics/notes.txt", size: 18 },
    ]);
    expect(chunks.map((c) => [c.offset, c.count])).toEqual([[0, 2], [2, 2]]);
    const pngs = await chunksOf({ files: "pics/*.png" }, 10);
    expect(pngs.flatMap((c) => (c.input.kind === "files" ? c.input.files.map((f) => f.path) : []))).toEqual(["pics/a.png", "pics/b.png"]);
    expect(await measureChunks(JobInput.parse({ files: "pics/**/*.png" }), from, 2)).toEqual({ items: 3, exact: true, chunks: 2 });
    // A file's SHA-256 goes with it, so a node is never served a file changed since the split.
    const first = chunks[0]!.input;
    expect(first.kind === "files" && first.files[0]!.sha256).toBe(new Bun.CryptoHasher("sha256").update("bytes of a.png").digest("hex"));
  });

  test("a file over the per-item cap is named before anything is split; so is an empty match", async () => {
    await put("big/ok.bin", "small");
    await put("big/huge.bin", new Uint8Array(limits.binaryItemBytes + 1));
    const input = JobInput.parse({ files: "big" });
    const message = `input.files: big/huge.bin is ${limits.binaryItemBytes + 1} bytes, over the per-item cap of ${limits.binaryItemBytes} bytes`;
    await expect(measureChunks(input, from, 10)).rejects.toMatchObject({ code: "invalid_field", message });
    await expect(chunksOf({ files: "big" }, 10)).rejects.toMatchObject({ message });
    await expect(measureChunks(JobInput.parse({ files: "nothing/*.png" }), from, 1)).rejects.toMatchObject({ message: "input.files: no file matches nothing/*.png" });
  });

  test("chunks are capped in bytes too, and a bigger file goes alone", () => {
    const half = limits.binaryChunkBytes / 2;
    const groups = [...groupFiles([ref("a", half), ref("b", half), ref("c", 1), ref("d", limits.binaryChunkBytes), ref("e", 1)], 100)];
    expect(groups.map((g) => g.map((f) => f.path))).toEqual([["a", "b"], ["c"], ["d"], ["e"]]);
    expect([...groupFiles(Array.from({ length: 2500 }, (_, i) => ref(`f${i}`, 1)), 100_000)].map((g) => g.length)).toEqual([1000, 1000, 500]);
  });

  test("patterns that could leave the account's folder, or name none, are refused naming the field", () => {
    for (const [pattern, message] of [
      ["../x", "has a '.' or '..' segment"],
      ["a/../../b/*", "has a '.' or '..' segment"],
      ["/etc", "must be relative, not start with /"],
      ["a\\b", "contains a backslash; use / between folders"],
      ["/", "must be relative, not start with /"],
      ["a//*.png", "has an empty segment (//)"],
    ]) {
      const parsed = JobInput.safeParse({ files: pattern });
      expect(parsed.success).toBe(false);
      expect(parsed.error!.issues.some((i) => i.message === message || JSON.stringify(i).includes(message))).toBe(true);
    }
    expect(JobInput.safeParse({ files: "**" }).success).toBe(true);
  });

  test("binary items are not values: reading them as items (what a session would do) is refused", async () => {
    await expect(collect(inputItems(JobInput.parse({ files: "pics" }), from))).rejects.toMatchObject({ code: "unsupported" });
  });
});

describe("binary records", () => {
  test("a file cut into itemBytes records: the last one short, named by byte offset, chunked by bytes as well", async () => {
    await put("rec.bin", new Uint8Array(1000).map((_, i) => i % 251));
    const chunks = await chunksOf({ file: "rec.bin", format: "binary", itemBytes: 300 }, 2);
    expect(chunks.map((c) => [c.offset, c.count])).toEqual([[0, 2], [2, 2]]);
    const all = chunks.flatMap((c) => (isBinaryChunk(c.input) ? binaryItems(c.input) : []));
    expect(all).toEqual([
      { name: "rec.bin", size: 300, offset: 0 },
      { name: "rec.bin", size: 300, offset: 300 },
      { name: "rec.bin", size: 300, offset: 600 },
      { name: "rec.bin", size: 100, offset: 900 },
    ]);
    const last = chunks[1]!.input;
    expect(isBinaryChunk(last) && binaryItemBytes(last, 1)).toMatchObject({ start: 900, length: 100 });
    expect(() => isBinaryChunk(last) && binaryItemBytes(last, 2)).toThrow("item 2 of a chunk of 2 items");
    expect(await measureChunks(JobInput.parse({ file: "rec.bin", format: "binary", itemBytes: 300 }), from, 2)).toEqual({ items: 4, exact: true, chunks: 2 });
    // A record of 40 MiB: one to a chunk, whatever chunkSize says.
    expect(await measureChunks(JobInput.parse({ file: "rec.bin", format: "binary", itemBytes: 1 }), from, 100_000)).toMatchObject({ chunks: 1 });
  });

  test("itemBytes is required for binary, refused elsewhere, and capped", () => {
    const issue = (input: unknown) => JobInput.safeParse(input).error?.issues.map((i) => JSON.stringify(i)).join(" ") ?? "";
    expect(issue({ file: "x", format: "binary" })).toContain("name their size");
    expect(issue({ file: "x", format: "lines", itemBytes: 4 })).toContain('itemBytes applies to format \\"binary\\" only');
    expect(issue({ file: "x", format: "binary", itemBytes: limits.binaryItemBytes + 1 })).toContain("over the per-item cap");
  });
});
