// K-means in the browser, for the session page: the program the nodes run
// (examples/kmeans/kmeans.ts's, verbatim), the same generated points, and
// the reduce the client does between rounds. kmeans.test.js checks this
// port against the example, number for number.

export const KMEANS_PROGRAM = `def setup(items):
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

/** The 32-bit LCG the peers' benchmark uses: uniform numbers in [0, 1). */
function lcg(seed) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(1664525, s) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

/** 8 blobs on a 4×2 grid (spacing 10) plus uniform noise in [-3, 3). */
export function kmeansPoints(n, seed = 42) {
  const next = lcg(seed);
  const points = new Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % 8;
    const u1 = next();
    const u2 = next();
    points[i] = [10 * (c % 4) + 6 * u1 - 3, 10 * Math.floor(c / 4) + 6 * u2 - 3];
  }
  return points;
}

/**
 * k distinct points picked at random (Forgy's start). The example starts
 * from one point per blob and is done in two rounds; a random start takes a
 * few more, which is what there is to watch on the page.
 */
export function randomCentroids(points, k = 8, seed = 1) {
  const next = lcg(seed);
  const picked = new Set();
  while (picked.size < Math.min(k, points.length)) picked.add(Math.floor(next() * points.length));
  return [...picked].map((i) => points[i]);
}

/**
 * New centroid = sum / count (an empty cluster keeps its centroid), the
 * total squared error and the points counted, so the loss (sse / points)
 * needs no point count on the client: the input may be a file it never read.
 */
export function reduceCentroids(partials, old) {
  const k = old.length;
  const sx = new Array(k).fill(0);
  const sy = new Array(k).fill(0);
  const cnt = new Array(k).fill(0);
  let sse = 0;
  for (const p of partials) {
    if (!isPartial(p, k)) throw new Error("a partial is not [sums x, sums y, counts, sse] for these centroids: is this the k-means program?");
    for (let j = 0; j < k; j++) {
      sx[j] += p[0][j];
      sy[j] += p[1][j];
      cnt[j] += p[2][j];
    }
    sse += p[3];
  }
  const points = cnt.reduce((a, b) => a + b, 0);
  return { centroids: old.map((c, j) => (cnt[j] ? [sx[j] / cnt[j], sy[j] / cnt[j]] : c)), sse, points };
}

const numbers = (a, k) => Array.isArray(a) && a.length === k && a.every((x) => typeof x === "number");
const isPartial = (p, k) => Array.isArray(p) && p.length === 4 && numbers(p[0], k) && numbers(p[1], k) && numbers(p[2], k) && typeof p[3] === "number";

/** Centroids as the user typed them: a JSON array of [x, y] pairs, or an error message. */
export function parseCentroids(text) {
  let value;
  try {
    value = JSON.parse(text);
  } catch {
    return { error: "Centroids must be JSON, e.g. [[0, 0], [10, 10]]." };
  }
  if (!Array.isArray(value) || value.length === 0 || !value.every((c) => numbers(c, 2))) return { error: "Centroids must be a non-empty array of [x, y] pairs of numbers." };
  return { centroids: value };
}
