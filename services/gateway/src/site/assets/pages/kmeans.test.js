// The browser's k-means must be the example's: same program, same points,
// same reduce (examples/kmeans/kmeans.ts), so the page and `npm run
// example:kmeans` show the same losses for the same start.
import { describe, expect, test } from "bun:test";
import * as example from "../../../../../../examples/kmeans/kmeans.ts";
import { KMEANS_PROGRAM, kmeansPoints, parseCentroids, randomCentroids, reduceCentroids } from "./kmeans.js";

describe("k-means in the browser", () => {
  test("the program and the points are the example's", () => {
    expect(KMEANS_PROGRAM.trim()).toBe(example.KMEANS_PROGRAM.trim());
    expect(kmeansPoints(5000)).toEqual(example.kmeansPoints(5000));
    expect(kmeansPoints(100, 7)).toEqual(example.kmeansPoints(100, 7));
  });

  test("the reduce is the example's, and counts the points", () => {
    const partials = [
      [[2, 0], [4, 0], [2, 0], 1.5],
      [[1, 0], [1, 0], [1, 0], 0.5],
    ];
    const old = [[0, 0], [9, 9]];
    const mine = reduceCentroids(partials, old);
    expect(mine.centroids).toEqual(example.reduceCentroids(partials, old).centroids);
    expect(mine.sse).toBe(2);
    expect(mine.points).toBe(3);
  });

  test("a partial of the wrong shape is refused with a reason", () => {
    expect(() => reduceCentroids([42], [[0, 0]])).toThrow("k-means program");
    expect(() => reduceCentroids([[[1], [1], [1, 2], 0]], [[0, 0]])).toThrow("k-means program");
  });

  test("a random start picks k distinct points, the same for the same seed", () => {
    const points = kmeansPoints(1000);
    const a = randomCentroids(points, 8, 1);
    expect(a).toHaveLength(8);
    expect(new Set(a.map(String)).size).toBe(8);
    expect(randomCentroids(points, 8, 1)).toEqual(a);
    expect(randomCentroids(points, 8, 2)).not.toEqual(a);
    expect(randomCentroids(points.slice(0, 3), 8)).toHaveLength(3);
  });

  test("centroids typed by hand are checked", () => {
    expect(parseCentroids("[[0, 0], [1.5, -2]]")).toEqual({ centroids: [[0, 0], [1.5, -2]] });
    expect(parseCentroids("[[0, 0],")).toHaveProperty("error");
    expect(parseCentroids("[]")).toHaveProperty("error");
    expect(parseCentroids('[[0, "1"]]')).toHaveProperty("error");
    expect(parseCentroids("[[0, 1, 2]]")).toHaveProperty("error");
  });
});
