// What the session page sends each round and the value it charts from the
// answer. K-means sends the centroids and averages the partials into new
// ones (the loss is the value); "fixed" sends the same params every round
// and charts the sum of the partials when they are numbers. A driver's
// state is plain JSON, so the page can keep it across reloads.
import { reduceCentroids } from "./kmeans.js";

export const DRIVER_LABELS = {
  kmeans: "Loss (mean squared distance to the nearest centroid)",
  fixed: "Sum of the partials",
};

/** A driver from its saved state: `{kind: "kmeans", centroids}` or `{kind: "fixed", params}`. */
export function roundDriver(saved) {
  if (saved.kind === "kmeans") {
    let centroids = saved.centroids;
    return {
      kind: "kmeans",
      valueLabel: DRIVER_LABELS.kmeans,
      params: () => ({ centroids }),
      /** Folds a round's partials in; returns the value to chart. Throws on partials of the wrong shape. */
      absorb(partials) {
        const next = reduceCentroids(partials, centroids);
        centroids = next.centroids;
        return next.points > 0 ? next.sse / next.points : null;
      },
      saved: () => ({ kind: "kmeans", centroids }),
      describe: () => `Centroids: ${centroids.map(([x, y]) => `(${x.toFixed(2)}, ${y.toFixed(2)})`).join(" ")}`,
    };
  }
  const params = saved.params ?? null;
  return {
    kind: "fixed",
    valueLabel: DRIVER_LABELS.fixed,
    params: () => params,
    absorb: (partials) => (partials.every((p) => typeof p === "number" && Number.isFinite(p)) ? partials.reduce((a, b) => a + b, 0) : null),
    saved: () => ({ kind: "fixed", params }),
    describe: () => `Params each round: ${JSON.stringify(params)}`,
  };
}
