// The site's cost preview must match what the scheduler holds
// (services/scheduler/src/pricing.ts); plain JS, run by bun test.
import { describe, expect, test } from "bun:test";
import { definesReduce, itemCount, worstCase } from "./job-cost.js";
import { rateMeter } from "./job-rate.js";

describe("worst-case cost", () => {
  test("range and inline items are exact; the reduce chunk counts", () => {
    const range = itemCount({ kind: "range", start: 0, stop: 1000, step: 1 }, []);
    expect(range).toEqual({ count: 1000, exact: true });
    expect(worstCase({ items: range, chunkSize: 10, replicas: 1, price: 1, reduce: false })).toEqual({ chunks: 100, worst: 100, exact: true });
    expect(worstCase({ items: range, chunkSize: 300, replicas: 2, price: 5, reduce: true })).toEqual({ chunks: 5, worst: 50, exact: true });
    expect(itemCount({ kind: "range", start: 10, stop: 0, step: -3 }, [])).toEqual({ count: 4, exact: true });
    expect(itemCount({ kind: "range", start: 5, stop: 0, step: 1 }, [])).toEqual({ count: 0, exact: true });
    expect(itemCount({ kind: "items", items: [1, 2, 3] }, [])).toEqual({ count: 3, exact: true });
  });

  test("a file is bounded from its size, as the scheduler bounds it", () => {
    const files = [{ path: "a.txt", size: 1000 }];
    expect(itemCount({ kind: "file", file: "a.txt", format: "lines" }, files)).toEqual({ count: 1000, exact: false });
    expect(itemCount({ kind: "file", file: "a.txt", format: "jsonl" }, files)).toEqual({ count: 501, exact: false });
    expect(itemCount({ kind: "file", file: "missing", format: "lines" }, files)).toBeNull();
  });

  test("cannot tell without a price, a valid input or a sane chunk size", () => {
    const items = { count: 10, exact: true };
    expect(worstCase({ items, chunkSize: 1, replicas: 1, price: undefined, reduce: false })).toBeNull();
    expect(worstCase({ items, chunkSize: 0, replicas: 1, price: 1, reduce: false })).toBeNull();
    expect(worstCase({ items: null, chunkSize: 1, replicas: 1, price: 1, reduce: false })).toBeNull();
    expect(itemCount({ kind: "items", items: undefined }, [])).toBeNull();
    expect(itemCount({ kind: "range", start: 0, stop: 10, step: 0 }, [])).toBeNull();
  });

  test("reduce is found only as a top-level def", () => {
    expect(definesReduce("def map(x):\n    return x\n\ndef reduce(rs):\n    return sum(rs)\n")).toBe(true);
    expect(definesReduce("def map(x):\n    def reduce(y):\n        return y\n")).toBe(false);
    expect(definesReduce("# def reduce(x)\ndef map(x): return x")).toBe(false);
  });
});

describe("rate meter", () => {
  test("counts only what finished after the baseline, over the recent window", () => {
    let t = 0;
    const meter = rateMeter(() => t);
    meter.baseline(50);
    meter.sample(50);
    expect(meter.perSecond()).toBeNull();
    t = 2000;
    meter.sample(60);
    expect(meter.perSecond()).toBe(5);
    t = 4000;
    expect(meter.perSecond()).toBe(2.5);
    t = 30_000;
    meter.sample(70);
    t = 31_000;
    meter.sample(80);
    // The anchor is the last sample before the window: a stall still shows.
    expect(meter.perSecond()).toBeCloseTo(20 / 29, 5);
    t = 42_000;
    meter.sample(90);
    expect(meter.perSecond()).toBeCloseTo(10 / 11, 5);
  });
});
