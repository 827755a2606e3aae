import { describe, expect, test } from "bun:test";
import { readLines } from "./text-lines.ts";
import { collect, streamInPieces, streamOf } from "@medusa/testing/streams";

const texts = async (stream: ReadableStream<Uint8Array>, max?: number) => (await collect(readLines(stream, max))).map((l) => l.text);

describe("readLines", () => {
  test("\\n and \\r\\n endings, a final line without newline", async () => {
    expect(await texts(streamOf("a\r\nb\nc"))).toEqual(["a", "b", "c"]);
  });

  test("a trailing newline does not make an empty last line, but inner empty lines count", async () => {
    expect(await texts(streamOf("a\n\nb\n"))).toEqual(["a", "", "b"]);
    expect(await texts(streamOf("a\n\n"))).toEqual(["a", ""]);
    expect(await texts(streamOf(""))).toEqual([]);
    expect(await texts(streamOf("\n"))).toEqual([""]);
  });

  test("lines, \\r\\n pairs and UTF-8 characters split across reads", async () => {
    const text = "héllo wörld\r\n日本語のテキスト\r\n\r\nlast 🎉 line";
    const want = ["héllo wörld", "日本語のテキスト", "", "last 🎉 line"];
    for (const size of [1, 2, 3, 5, 7, 64]) expect(await texts(streamInPieces(text, size))).toEqual(want);
    expect(await texts(streamOf("ab\r", "\ncd\r", "\n", "e"))).toEqual(["ab", "cd", "e"]);
  });

  test("numbers lines from 1", async () => {
    const lines = await collect(readLines(streamOf("x\ny\n")));
    expect(lines).toEqual([
      { number: 1, text: "x" },
      { number: 2, text: "y" },
    ]);
  });

  test("a line over the limit fails naming it, even when it never ends", async () => {
    await expect(texts(streamOf("ok\n", "0123456789abc\n"), 10)).rejects.toThrow("line 2 is longer than");
    await expect(texts(streamOf("ok\n", "01234", "56789", "abcde"), 10)).rejects.toThrow("line 2 is longer than");
    expect(await texts(streamOf("0123456789\r\n"), 10)).toEqual(["0123456789"]);
  });

  test("stopping early cancels the source", async () => {
    let cancelled = false;
    const stream = new ReadableStream<Uint8Array>({
      pull: (c) => c.enqueue(new TextEncoder().encode("line\n".repeat(100))),
      cancel: () => {
        cancelled = true;
      },
    });
    for await (const line of readLines(stream)) if (line.number === 3) break;
    expect(cancelled).toBe(true);
  });
});
