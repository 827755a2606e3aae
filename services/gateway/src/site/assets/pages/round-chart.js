// A chart of one value per round (the session's loss, its latency), drawn as
// SVG at the pixel width of its box so labels stay legible on a phone, and
// redrawn at most once per animation frame. Each point carries its round and
// value (data-round, data-value) and a <title>; the summary under the chart
// says in words what it shows, for screen readers and for a quick look.
import { h } from "../dom.js";
import { linear, niceTicks, roundTicks, short } from "./chart-scale.js";

const NS = "http://www.w3.org/2000/svg";
const HEIGHT = 180;
const M = { top: 10, right: 14, bottom: 26, left: 54 };

function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  el.append(...children);
  return el;
}

/**
 * `mark`: "line" (points joined, y fitted to the data) or "bars" (from zero).
 * `set(points)` takes `[{round, value}]` in round order; a value that is not
 * a number leaves a gap.
 */
export function roundChart({ title, testid, mark = "line", unit = "" }) {
  const id = `chart-${testid}`;
  const svg = s("svg", { role: "img", "aria-labelledby": `${id}-title`, "aria-describedby": `${id}-summary`, "data-testid": testid, class: `chart-svg mark-${mark}` });
  const box = h("div", { class: "chart-box" }, svg);
  const summary = h("p", { class: "hint", id: `${id}-summary` }, "No rounds yet.");
  const figure = h("figure", { class: "chart" }, h("figcaption", { id: `${id}-title` }, title), box, summary);
  let points = [];
  let queued = false;
  const withUnit = (v) => `${short(v)}${unit ? ` ${unit}` : ""}`;

  const draw = () => {
    queued = false;
    const width = Math.max(200, box.clientWidth || 600);
    svg.setAttribute("width", width);
    svg.setAttribute("height", HEIGHT);
    svg.setAttribute("viewBox", `0 0 ${width} ${HEIGHT}`);
    svg.replaceChildren();
    const shown = points.filter((p) => typeof p.value === "number" && Number.isFinite(p.value));
    if (shown.length === 0) {
      svg.append(s("text", { x: width / 2, y: HEIGHT / 2, class: "chart-empty", "text-anchor": "middle" }, points.length ? "No numeric value to chart" : "No rounds yet"));
      return;
    }
    const first = points[0].round;
    const last = points[points.length - 1].round;
    const x = linear(first - 0.5, last + 0.5, M.left, width - M.right);
    const values = shown.map((p) => p.value);
    const t = niceTicks(mark === "bars" ? 0 : Math.min(...values), Math.max(...values));
    const y = linear(t.min, t.max, HEIGHT - M.bottom, M.top);
    for (const v of t.ticks) {
      svg.append(s("line", { x1: M.left, x2: width - M.right, y1: y(v), y2: y(v), class: "chart-grid" }));
      svg.append(s("text", { x: M.left - 6, y: y(v) + 4, class: "chart-tick", "text-anchor": "end" }, short(v)));
    }
    for (const r of roundTicks(first, last, width - M.left - M.right)) {
      svg.append(s("text", { x: x(r), y: HEIGHT - 8, class: "chart-tick", "text-anchor": "middle" }, String(r)));
    }
    const label = (p) => s("title", {}, `Round ${p.round}: ${withUnit(p.value)}`);
    if (mark === "bars") {
      const w = Math.max(1, Math.min(28, (x(first + 1) - x(first)) * 0.7));
      for (const p of shown) {
        const top = y(p.value);
        svg.append(s("rect", { x: x(p.round) - w / 2, y: top, width: w, height: Math.max(1, y(t.min) - top), class: "chart-bar", "data-round": p.round, "data-value": p.value }, label(p)));
      }
    } else {
      let d = "";
      let gap = true;
      for (const p of points) {
        const ok = typeof p.value === "number" && Number.isFinite(p.value);
        if (ok) d += `${gap ? "M" : "L"}${x(p.round).toFixed(1)},${y(p.value).toFixed(1)}`;
        gap = !ok;
      }
      svg.append(s("path", { d, class: "chart-line" }));
      const r = shown.length > 60 ? 2 : 4;
      for (const p of shown) svg.append(s("circle", { cx: x(p.round), cy: y(p.value), r, class: "chart-dot", "data-round": p.round, "data-value": p.value }, label(p)));
    }
    svg.append(s("line", { x1: M.left, x2: width - M.right, y1: HEIGHT - M.bottom, y2: HEIGHT - M.bottom, class: "chart-axis" }));
  };

  const describe = () => {
    const shown = points.filter((p) => typeof p.value === "number" && Number.isFinite(p.value));
    if (shown.length === 0) return points.length ? `${points.length} rounds, none with a numeric value.` : "No rounds yet.";
    const values = shown.map((p) => p.value);
    const lastPoint = shown[shown.length - 1];
    return `${shown.length} round${shown.length === 1 ? "" : "s"}: first ${withUnit(shown[0].value)}, last ${withUnit(lastPoint.value)} (round ${lastPoint.round}); lowest ${withUnit(Math.min(...values))}, highest ${withUnit(Math.max(...values))}.`;
  };

  const redraw = () => {
    if (!queued) (queued = true), requestAnimationFrame(draw);
  };
  const resize = new ResizeObserver(redraw);

  return {
    el: figure,
    set(next) {
      points = next;
      summary.textContent = describe();
      redraw();
    },
    attach() {
      resize.observe(box);
      redraw();
    },
    detach() {
      resize.disconnect();
    },
  };
}
