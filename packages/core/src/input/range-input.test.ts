import { describe, expect, test } from "bun:test";
import type { NewChunk } from "./chunk-input.ts";
import { rangeValues, splitRange, type NumericRange } from "./range-input.ts";

const collect = async (gen: AsyncGenerator<NewChunk>) => {
  const out: NewChunk[] = [];
  for await (const c of gen) out.push(c);
  return out;
};

/** Expands the sub-ranges back into numbers, to compare with a naive loop. */
function expand(chunks: NewChunk[]): number[] {
  const out: number[] = [];
  for (const c of chunks) {
    if (c.input.kind !== "range") throw new Error("not a range chunk");
    const { start, stop, step } = c.input;
    const before = out.length;
    for (let x = start; step > 0 ? x < stop : x > stop; x += step) out.push(x);
    expect(out.length - before).toBe(c.count);
  }
  return out;
}

function naive({ start, stop, step }: NumericRange): number[] {
  const out: number[] = [];
  for (let x = start; step > 0 ? x < stop : x > stop; x += step) out.push(x);
  return out;
}

describe("splitRange", () => {
  test("cuts into sub-ranges with item offsets, the last one shorter", async () => {
    const chunks = await collect(splitRange({ start: 0, stop: 10, step: 1 }, 4));
    expect(chunks).toEqual([
      { offset: 0, count: 4, input: { kind: "range", start: 0, stop: 4, step: 1 } },
      { offset: 4, count: 4, input: { kind: "range", start: 4, stop: 8, step: 1 } },
      { offset: 8, count: 2, input: { kind: "range", start: 8, stop: 10, step: 1 } },
    ]);
  });

  test("an empty range gives no chunks (stop before start, or equal)", async () => {
    expect(await collect(splitRange({ start: 5, stop: 5, step: 1 }, 3))).toEqual([]);
    expect(await collect(splitRange({ start: 5, stop: 0, step: 1 }, 3))).toEqual([]);
    expect(await collect(splitRange({ start: 0, stop: 5, step: -1 }, 3))).toEqual([]);
  });

  test("negative steps count down", async () => {
    const chunks = await collect(splitRange({ start: 10, stop: 0, step: -3 }, 2));
    expect(chunks.map((c) => [c.offset, c.count])).toEqual([
      [0, 2],
      [2, 2],
    ]);
    expect(expand(chunks)).toEqual([10, 7, 4, 1]);
  });

  test("matches a naive loop for many shapes", async () => {
    for (const r of [
      { start: 0, stop: 1, step: 1 },
      { start: -7, stop: 23, step: 4 },
      { start: 3, stop: -20, step: -5 },
      { start: 0, stop: 100, step: 7 },
      { start: 100, stop: -100, step: -1 },
    ]) {
      for (const size of [1, 2, 3, 10, 1000]) {
        const chunks = await collect(splitRange(r, size));
        expect(expand(chunks)).toEqual(naive(r));
        chunks.forEach((c, i) => expect(c.offset).toBe(i * size));
      }
    }
  });

  test("a billion items are cut without materialising them", async () => {
    let n = 0;
    let last: NewChunk | undefined;
    for await (const c of splitRange({ start: 0, stop: 1_000_000_000, step: 1 }, 100_000)) {
      n += 1;
      last = c;
    }
    expect(n).toBe(10_000);
    expect(last).toEqual({ offset: 999_900_000, count: 100_000, input: { kind: "range", start: 999_900_000, stop: 1_000_000_000, step: 1 } });
  });

  test("refuses a zero step and a bad chunk size", async () => {
    await expect(collect(splitRange({ start: 0, stop: 3, step: 0 }, 1))).rejects.toThrow("step must not be 0");
    await expect(collect(splitRange({ start: 0, stop: 3, step: 1 }, 0))).rejects.toThrow("chunkSize");
  });
});

describe("rangeValues", () => {
  test("ranges expand both ways and stop before `stop`", () => {
    expect([...rangeValues({ start: 0, stop: 5, step: 2 })]).toEqual([0, 2, 4]);
    expect([...rangeValues({ start: 5, stop: 0, step: -2 })]).toEqual([5, 3, 1]);
    expect([...rangeValues({ start: 3, stop: 3, step: 1 })]).toEqual([]);
    expect([...rangeValues({ start: 3, stop: 0, step: 1 })]).toEqual([]);
  });
});
