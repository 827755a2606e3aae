// The job's chunks as a grid of cells, one per chunk, colored by what the
// page has seen of it. Drawn on a canvas so a 100,000-chunk job costs one
// bitmap, not 100,000 elements; redrawn at most once per animation frame.
const WAITING = 0;
const DONE = 1;
const REDUCED = 2;
const FAILED = 3;
const COLORS = ["--pending", "--done", "--reduce", "--failed"];

export const LEGEND = [
  ["--pending", "waiting or running"],
  ["--done", "done"],
  ["--reduce", "reduce done"],
  ["--failed", "failed"],
];

export function chunkGrid() {
  const canvas = document.createElement("canvas");
  canvas.className = "chunks";
  canvas.setAttribute("role", "img");
  let states = new Uint8Array(0);
  let queued = false;

  const draw = () => {
    queued = false;
    const total = states.length;
    const width = canvas.parentElement?.clientWidth || 600;
    const cell = Math.max(3, Math.min(18, Math.floor(Math.sqrt((width * 220) / Math.max(1, total)))));
    const perRow = Math.max(1, Math.floor(width / cell));
    const rows = Math.max(1, Math.ceil(total / perRow));
    const ratio = window.devicePixelRatio || 1;
    canvas.style.height = `${rows * cell}px`;
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(rows * cell * ratio);
    const ctx = canvas.getContext("2d");
    ctx.scale(ratio, ratio);
    const style = getComputedStyle(canvas);
    const fills = COLORS.map((v) => style.getPropertyValue(v).trim() || "#888");
    const gap = cell >= 6 ? 1 : 0;
    for (let i = 0; i < total; i++) {
      ctx.fillStyle = fills[states[i]];
      ctx.fillRect((i % perRow) * cell, Math.floor(i / perRow) * cell, cell - gap, cell - gap);
    }
  };
  const redraw = () => {
    if (!queued) (queued = true), requestAnimationFrame(draw);
  };
  const resize = new ResizeObserver(redraw);

  return {
    el: canvas,
    /** The job's chunk count; it can grow while the input is still being split. */
    setTotal(n) {
      if (n === states.length) return;
      const next = new Uint8Array(n);
      next.set(states.subarray(0, Math.min(n, states.length)));
      states = next;
      redraw();
    },
    done(index, task) {
      if (index >= states.length) this.setTotal(index + 1);
      states[index] = task === "reduce" ? REDUCED : DONE;
      redraw();
    },
    /** A failed job: whatever never finished is shown as failed. */
    failRest() {
      for (let i = 0; i < states.length; i++) if (states[i] === WAITING) states[i] = FAILED;
      redraw();
    },
    describe(text) {
      canvas.setAttribute("aria-label", text);
    },
    attach() {
      resize.observe(canvas.parentElement);
      redraw();
    },
    detach() {
      resize.disconnect();
    },
  };
}
