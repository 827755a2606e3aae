/**
 * K-means as a Medusa session: the points are partitioned over nodes once
 * (`setup`), and each round sends the centroids and gets back, per
 * partition, the sums, counts and squared error of its points' nearest
 * centroids (`step`). The client averages them into new centroids. The data
 * and kernel follow ../shared/bench-peers/workloads.py exactly, so the
 * benchmark's W4 compares with Dask's figure on the same machine.
 */
export const KMEANS_PROGRAM = `
def setup(items):
    return ([p[0] for p in items], [p[1] for p in items])

def step(state, params):
    xs, ys = state
    cents = params["centroids"]
    k = len(cents)
    cx = [c[0] for c in cents]
    cy = [c[1] for c in cents]
    sx = [0.0] * k
    sy = [0.0] * k
    cnt = [0] * k
    sse = 0.0
    for x, y in zip(xs, ys):
        best = 0
        dx = x - cx[0]
        dy = y - cy[0]
        bd = dx * dx + dy * dy
        for j in range(1, k):
            dx = x - cx[j]
            dy = y - cy[j]
            d = dx * dx + dy * dy
            if d < bd:
                bd = d
                best = j
        sx[best] += x
        sy[best] += y
        cnt[best] += 1
        sse += bd
    return [sx, sy, cnt, sse]
`;

export type Point = [number, number];

/** 8 blobs on a 4×2 grid (spacing 10) plus uniform noise in [-3, 3), from a 32-bit LCG. */
export function kmeansPoints(n: number, seed = 42): Point[] {
  let s = seed >>> 0;
  const next = () => {
    s = (Math.imul(1664525, s) + 1013904223) >>> 0;
    return s / 4294967296;
  };
  const points: Point[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % 8;
    const u1 = next();
    const u2 = next();
    points[i] = [10 * (c % 4) + 6 * u1 - 3, 10 * Math.floor(c / 4) + 6 * u2 - 3];
  }
  return points;
}

/** Centroid j starts at point j·(n/k) + j: one point from each blob. */
export function initialCentroids(points: Point[], k = 8): Point[] {
  const stride = Math.floor(points.length / k);
  return Array.from({ length: k }, (_, j) => points[j * stride + j]!);
}

type Partial = [number[], number[], number[], number];

/** New centroid = sum / count (an empty cluster keeps its centroid); also the total squared error. */
export function reduceCentroids(partials: unknown[], old: Point[]): { centroids: Point[]; sse: number } {
  const k = old.length;
  const sx = new Array<number>(k).fill(0);
  const sy = new Array<number>(k).fill(0);
  const cnt = new Array<number>(k).fill(0);
  let sse = 0;
  for (const p of partials as Partial[]) {
    for (let j = 0; j < k; j++) {
      sx[j]! += p[0][j]!;
      sy[j]! += p[1][j]!;
      cnt[j]! += p[2][j]!;
    }
    sse += p[3];
  }
  return { centroids: old.map((c, j) => (cnt[j] ? [sx[j]! / cnt[j]!, sy[j]! / cnt[j]!] : c)), sse };
}
