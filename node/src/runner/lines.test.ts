import { expect, test } from "bun:test";
import { LineTooLong, readLines } from "./lines.ts";

const streamOf = (...parts: string[]) =>
  new ReadableStream<Uint8Array>({
    start(c) {
      for (const p of parts) c.enqueue(new TextEncoder().encode(p));
      c.close();
    },
  });

const collect = async (stream: ReadableStream<Uint8Array>, max = 100) => {
  const out: string[] = [];
  for await (const line of readLines(stream, max)) out.push(line);
  return out;
};

test("lines split across chunks, several per chunk, multi-byte characters cut in half", async () => {
  const bytes = new TextEncoder().encode("ü");
  const split = new ReadableStream<Uint8Array>({
    start(c) {
      c.enqueue(new Uint8Array([...new TextEncoder().encode("a\nb"), bytes[0]!]));
      c.enqueue(new Uint8Array([bytes[1]!, ...new TextEncoder().encode("c\n\nd")]));
      c.close();
    },
  });
  expect(await collect(split)).toEqual(["a", "büc", "", "d"]);
  expect(await collect(streamOf("x\n", "y\n"))).toEqual(["x", "y"]);
});

test("a line over the limit throws, whether or not it ends in the same chunk", async () => {
  await expect(collect(streamOf("x".repeat(11), "\n"), 10)).rejects.toBeInstanceOf(LineTooLong);
  await expect(collect(streamOf("x".repeat(5), "y".repeat(6), "\n"), 10)).rejects.toBeInstanceOf(LineTooLong);
  expect(await collect(streamOf("x".repeat(10), "\n"), 10)).toEqual(["x".repeat(10)]);
});
