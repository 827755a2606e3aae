import { expect, test } from "bun:test";
import { resolve } from "node:path";
import { initialCentroids, kmeansPoints, reduceCentroids } from "./kmeans.ts";

const root = resolve(import.meta.dir, "../..");
const PY_LAST: [number, number] = [31.97374917799607, 12.266911744140089];

test("the generator matches the peers' LCG data set", () => {
  const points = kmeansPoints(200_000);
  // Point 0 is in blob 0 around (0, 0); point 5 in blob 5 around (10, 10); all within the noise of ±3.
  expect(Math.abs(points[0]![0]) < 3 && Math.abs(points[0]![1]) < 3).toBe(true);
  expect(Math.abs(points[5]![0] - 10) < 3 && Math.abs(points[5]![1] - 10) < 3).toBe(true);
  // The same numbers as workloads.py's kmeans_points() (checked against CPython).
  expect(points[0]).toEqual([-1.4859289512969553, -2.4712497275322676]);
  expect(points[199_999]).toEqual(PY_LAST);
  initialCentroids(points).forEach(([x, y], j) => {
    expect(Math.abs(x - 10 * (j % 4))).toBeLessThan(3);
    expect(Math.abs(y - 10 * Math.floor(j / 4))).toBeLessThan(3);
  });
  const { centroids, sse } = reduceCentroids([[[2, 0], [4, 0], [2, 0], 1.5], [[1, 0], [1, 0], [1, 0], 0.5]], [[0, 0], [9, 9]]);
  expect(centroids).toEqual([[1, 5 / 3], [9, 9]]);
  expect(sse).toBe(2);
});

test("npm run example:kmeans drives a session round by round and the loss falls to the noise's variance", async () => {
  const proc = Bun.spawn([process.execPath, "examples/kmeans/run.ts", "--points", "8000", "--partitions", "2", "--rounds", "4"], { cwd: root, stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  expect(err).toBe("");
  expect(code).toBe(0);
  const losses = [...out.matchAll(/round +\d+ +loss ([\d.]+)/g)].map((m) => Number(m[1]));
  expect(losses).toHaveLength(4);
  expect(losses[0]!).toBeGreaterThan(losses[3]!);
  // Uniform noise in [-3, 3) on both axes has variance 2 × 36/12 = 6.
  expect(Math.abs(losses[3]! - 6)).toBeLessThan(0.2);
  expect(out).toContain("Session ended; 8 credits paid to the nodes.");
}, 120_000);
