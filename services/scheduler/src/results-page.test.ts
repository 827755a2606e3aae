import { expect, test } from "bun:test";
import { resultsPage } from "./results-page.ts";

/** A store of done chunks by index; `missing` were not done. */
function store(sizes: number[], missing: number[] = []) {
  const reads: Array<[number, number]> = [];
  return {
    reads,
    async readResults(_jobId: string, from: number, limit: number) {
      reads.push([from, limit]);
      return sizes.flatMap((n, index) => (index >= from && index < from + limit && !missing.includes(index) ? [{ index, results: "x".repeat(n) }] : []));
    },
  };
}

test("a page stops before the chunk that would pass the budget, and says where", async () => {
  const page = await resultsPage(store([400, 400, 400, 400]), "j", 0, 500, 1000);
  expect(page.chunks.map((c) => c.index)).toEqual([0, 1]);
  expect(page.through).toBe(2);
});

test("a first chunk over the budget still makes a page of one: a result at the limit is always readable", async () => {
  const page = await resultsPage(store([5000, 1]), "j", 0, 500, 1000);
  expect(page.chunks.map((c) => c.index)).toEqual([0]);
  expect(page.through).toBe(1);
});

test("within the budget the page is the whole range, read a batch of 16 at a time; chunks not done are skipped", async () => {
  const s = store(Array.from({ length: 40 }, () => 1), [5]);
  const page = await resultsPage(s, "j", 2, 35, 1000);
  expect(page.through).toBeUndefined();
  expect(page.chunks.map((c) => c.index)).toEqual(Array.from({ length: 35 }, (_, i) => i + 2).filter((i) => i !== 5));
  expect(s.reads).toEqual([[2, 16], [18, 16], [34, 3]]);
});
