import { describe, expect, test } from "bun:test";
import type { NewChunk } from "./chunk-input.ts";
import { splitItems } from "./items-input.ts";

const collect = async (gen: AsyncGenerator<NewChunk>) => {
  const out: NewChunk[] = [];
  for await (const c of gen) out.push(c);
  return out;
};

describe("splitItems", () => {
  test("slices in order with offsets", async () => {
    const items = [1, "two", { three: 3 }, [4], null];
    expect(await collect(splitItems(items, 2))).toEqual([
      { offset: 0, count: 2, input: { kind: "items", items: [1, "two"] } },
      { offset: 2, count: 2, input: { kind: "items", items: [{ three: 3 }, [4]] } },
      { offset: 4, count: 1, input: { kind: "items", items: [null] } },
    ]);
  });

  test("one chunk when chunkSize covers everything; none for no items", async () => {
    expect(await collect(splitItems([1, 2, 3], 100))).toEqual([{ offset: 0, count: 3, input: { kind: "items", items: [1, 2, 3] } }]);
    expect(await collect(splitItems([], 5))).toEqual([]);
  });

  test("refuses a bad chunk size", async () => {
    await expect(collect(splitItems([1], 0))).rejects.toThrow("chunkSize");
  });
});
