import { describe, expect, test } from "bun:test";
import { linear, niceTicks, roundTicks, short } from "./chart-scale.js";

describe("chart axes", () => {
  test("nice ticks cover the data at 1, 2 or 5 × 10^n", () => {
    expect(niceTicks(6, 24)).toEqual({ min: 5, max: 25, ticks: [5, 10, 15, 20, 25] });
    expect(niceTicks(0, 1)).toEqual({ min: 0, max: 1, ticks: [0, 0.5, 1] });
    expect(niceTicks(0.1, 0.3).ticks).toEqual([0.1, 0.15, 0.2, 0.25, 0.3]);
    expect(niceTicks(0, 612, 4)).toEqual({ min: 0, max: 800, ticks: [0, 200, 400, 600, 800] });
  });

  test("one value, reversed bounds or no data still give an axis", () => {
    expect(niceTicks(5, 5).ticks).toEqual([4.5, 5, 5.5]);
    expect(niceTicks(0, 0).ticks[0]).toBeLessThan(0);
    expect(niceTicks(24, 6).ticks).toEqual([5, 10, 15, 20, 25]);
    expect(niceTicks(NaN, 1)).toEqual({ min: 0, max: 1, ticks: [0, 1] });
  });

  test("round labels thin out to fit the width, the first round kept", () => {
    expect(roundTicks(1, 5, 600)).toEqual([1, 2, 3, 4, 5]);
    expect(roundTicks(1, 100, 360)).toEqual([1, 20, 40, 60, 80, 100]);
    expect(roundTicks(1, 1000, 300)).toEqual([1, 200, 400, 600, 800, 1000]);
    expect(roundTicks(3, 3, 100)).toEqual([3]);
    expect(roundTicks(4, 3, 100)).toEqual([]);
    for (const n of [7, 33, 250, 999]) expect(roundTicks(1, n, 320).length).toBeLessThanOrEqual(Math.floor(320 / 36));
  });

  test("linear maps a domain onto a range; a point domain maps to the middle", () => {
    expect(linear(0, 10, 100, 0)(2.5)).toBe(75);
    expect(linear(3, 3, 0, 10)(3)).toBe(5);
  });

  test("labels have four significant figures", () => {
    expect(short(6.027743)).toBe("6.028");
    expect(short(24.0213)).toBe("24.02");
    expect(short(611.8)).toBe("611.8");
    expect(short(12345.6)).toBe("12,346");
    expect(short(0)).toBe("0");
    expect(short(2e-5)).toBe("2.00e-5");
    expect(short(undefined)).toBe("—");
  });
});
