import { afterAll, describe, expect, test } from "bun:test";
import { scratchBlobs } from "@medusa/testing/scratch-blobs";
import { collect, streamInPieces, streamOf } from "@medusa/testing/streams";
import type { NewChunk } from "./chunk-input.ts";
import { splitFile } from "./file-input.ts";
import type { FileFormat } from "./job-input.ts";

const scratch = scratchBlobs("splitter-file");
afterAll(() => scratch.remove());
const { blobs } = scratch;

const split = (stream: ReadableStream<Uint8Array>, format: FileFormat, chunkSize: number, inlineMaxBytes?: number) =>
  collect(splitFile(stream, { format, chunkSize, jobId: "job1", blobs, inlineMaxBytes }));

const inline = (chunks: NewChunk[]) =>
  chunks.map((c) => {
    if (c.input.kind !== "items") throw new Error(`chunk at ${c.offset} is ${c.input.kind}, not inline`);
    return [c.offset, c.count, c.input.items];
  });

describe("splitFile: lines", () => {
  test("\\r\\n, no final newline, and chunk boundaries with offsets", async () => {
    const chunks = await split(streamOf("a\r\nb\n\nd\r\ne"), "lines", 2);
    expect(inline(chunks)).toEqual([
      [0, 2, ["a", "b"]],
      [2, 2, ["", "d"]],
      [4, 1, ["e"]],
    ]);
  });

  test("the same items whatever the read size; a final newline adds no item", async () => {
    const text = Array.from({ length: 50 }, (_, i) => `line ${i} é`).join("\r\n") + "\r\n";
    for (const size of [1, 3, 17, 1 << 16]) {
      const chunks = await split(streamInPieces(text, size), "lines", 7);
      expect(chunks.map((c) => c.offset)).toEqual([0, 7, 14, 21, 28, 35, 42, 49]);
      expect(inline(chunks).flatMap(([, , items]) => items as string[])).toEqual(Array.from({ length: 50 }, (_, i) => `line ${i} é`));
    }
  });

  test("an empty file has no chunks", async () => {
    expect(await split(streamOf(""), "lines", 10)).toEqual([]);
  });
});

describe("splitFile: jsonl", () => {
  test("parses each non-empty line", async () => {
    const chunks = await split(streamOf('{"a":1}\n\n[2]\r\n  \n"three"\nnull'), "jsonl", 3);
    expect(inline(chunks)).toEqual([
      [0, 3, [{ a: 1 }, [2], "three"]],
      [3, 1, [null]],
    ]);
  });

  test("a bad line fails naming its line number (blank lines counted)", async () => {
    await expect(split(streamOf('1\n\n2\n{"oops": \n4\n'), "jsonl", 10)).rejects.toThrow(/^line 4: /);
  });
});

describe("splitFile: json", () => {
  test("array elements become items", async () => {
    const chunks = await split(streamInPieces('[1, "a ] , \\" b", {"k": [",", "]"]}, [], 5]', 4), "json", 2);
    expect(inline(chunks)).toEqual([
      [0, 2, [1, 'a ] , " b']],
      [2, 2, [{ k: [",", "]"] }, []]],
      [4, 1, [5]],
    ]);
  });

  test("not an array, and truncated, fail with an offset", async () => {
    await expect(split(streamOf('{"a": 1}'), "json", 2)).rejects.toThrow("offset 0: expected a JSON array");
    await expect(split(streamOf("[1, 2, [3"), "json", 2)).rejects.toThrow("not terminated");
  });
});

describe("splitFile: big chunks", () => {
  test("a chunk whose JSON reaches inlineMaxBytes goes to the blob store as a JSON array", async () => {
    const lines = ["x".repeat(60), "y".repeat(60), "z"];
    const chunks = await split(streamOf(lines.join("\n")), "lines", 2, 100);
    expect(chunks).toEqual([
      { offset: 0, count: 2, input: { kind: "blob", key: "jobs/job1/chunks/0.json", format: "json" } },
      { offset: 2, count: 1, input: { kind: "items", items: ["z"] } },
    ]);
    const stored = await blobs.bytes("jobs/job1/chunks/0.json");
    expect(JSON.parse(new TextDecoder().decode(stored!))).toEqual(lines.slice(0, 2));
  });

  test("a line over 16 MiB fails the split", async () => {
    const big = "x".repeat(16 * 1024 * 1024 + 1);
    await expect(split(streamOf("short\n", big, "\n"), "lines", 10)).rejects.toThrow("line 2 is longer than 16 MiB");
  });
});
