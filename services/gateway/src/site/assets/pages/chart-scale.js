// Axes for the session page's charts: round numbers along x, "nice" ticks
// (1, 2 or 5 × a power of ten) along y. Pure arithmetic, tested by bun.

/** Ticks covering [lo, hi] at a step of 1, 2 or 5 × 10^n, about `count` of them. */
export function niceTicks(lo, hi, count = 4) {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return { min: 0, max: 1, ticks: [0, 1] };
  if (hi < lo) [lo, hi] = [hi, lo];
  if (hi === lo) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    (lo -= pad), (hi += pad);
  }
  const raw = (hi - lo) / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw);
  const min = Math.floor(lo / step) * step;
  const max = Math.ceil(hi / step) * step;
  const ticks = [];
  // Rounded to the step's decimals so 0.1 + 0.2 shows as 0.3.
  const decimals = Math.max(0, -Math.floor(Math.log10(step)));
  for (let v = min; v <= max + step / 2; v += step) ticks.push(Number(v.toFixed(decimals)));
  return { min, max, ticks };
}

/** Maps [d0, d1] onto [r0, r1]. */
export const linear = (d0, d1, r0, r1) => (v) => (d1 === d0 ? (r0 + r1) / 2 : r0 + ((v - d0) / (d1 - d0)) * (r1 - r0));

/** Round numbers to label along an axis `width` pixels wide: every one, or every 2nd, 5th, 10th… */
export function roundTicks(first, last, width, minGap = 36) {
  if (last < first) return [];
  const room = Math.max(1, Math.floor(width / minGap));
  // Labels at multiples of the step, plus the first round when it is not one.
  const labels = (s) => Math.floor(last / s) - Math.ceil(first / s) + 1 + (first % s === 0 ? 0 : 1);
  let every = 0;
  for (let p = 1; !every; p *= 10) every = [1, 2, 5].map((m) => m * p).find((s) => labels(s) <= room) ?? 0;
  const ticks = [];
  for (let r = Math.ceil(first / every) * every; r <= last; r += every) ticks.push(r);
  // The first round is labelled too, unless a label sits right beside it.
  if (ticks[0] !== first && (ticks.length === 0 || ticks[0] - first >= every / 2)) ticks.unshift(first);
  return ticks;
}

/** A value for a label: four significant figures, no exponent for everyday sizes. */
export function short(v) {
  if (typeof v !== "number" || !Number.isFinite(v)) return "—";
  const a = Math.abs(v);
  if (a >= 1e6 || (a > 0 && a < 1e-3)) return v.toExponential(2);
  if (a >= 1000) return Math.round(v).toLocaleString("en");
  return String(Number(v.toPrecision(4)));
}
