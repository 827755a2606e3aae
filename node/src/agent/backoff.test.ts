import { describe, expect, test } from "bun:test";
import { Backoff } from "./backoff.ts";

describe("Backoff", () => {
  test("doubles up to the cap, jittered within the upper half", () => {
    const top = new Backoff({ initialMs: 100, maxMs: 1000, random: () => 1 });
    expect([1, 2, 3, 4, 5, 6].map(() => top.next(0))).toEqual([100, 200, 400, 800, 1000, 1000]);
    const bottom = new Backoff({ initialMs: 100, maxMs: 1000, random: () => 0 });
    expect([1, 2, 3].map(() => bottom.next(0))).toEqual([50, 100, 200]);
  });

  test("a connection that stayed up long enough resets the delay; a short one does not", () => {
    const b = new Backoff({ initialMs: 100, maxMs: 10_000, stableMs: 1000, random: () => 1 });
    b.next(0);
    b.next(0);
    b.opened(5000);
    expect(b.next(5999)).toBe(400);
    b.opened(10_000);
    expect(b.next(11_000)).toBe(100);
  });

  test("rejects nonsense limits", () => {
    expect(() => new Backoff({ initialMs: 0 })).toThrow("backoff");
    expect(() => new Backoff({ initialMs: 500, maxMs: 100 })).toThrow("backoff");
  });
});
