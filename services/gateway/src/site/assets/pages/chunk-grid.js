// The job's chunks as a grid of cells, one per chunk, colored by what the
// page has seen of it. Drawn on a canvas so a 100,000-chunk job costs one
// bitmap, not 100,000 elements; redrawn at most once per animation frame.
const WAITING = 0;
const DONE = 1;
const REDUCED = 2;
const FAILED = 3;
const RUNNING = 4;
const COLORS = ["--pending", "--done", "--reduce", "--failed", "--running"];

export const LEGEND = [
  ["--pending", "waiting"],
  ["--running", "running"],
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
    /** A node leased the chunk (a `leased` event): it runs until its result is in, or another node takes it over. */
    running(index) {
      if (index >= states.length) this.setTotal(index + 1);
      if (states[index] !== WAITING) return;
      states[index] = RUNNING;
      redraw();
    },
    /** How many cells show running: what the page has seen leased and not yet done. */
    runningCount() {
      return states.reduce((n, s) => n + (s === RUNNING ? 1 : 0), 0);
    },
    done(index, task) {
      if (index >= states.length) this.setTotal(index + 1);
      states[index] = task === "reduce" ? REDUCED : DONE;
      redraw();
    },
    /** A failed job: whatever never finished is shown as failed. */
    failRest() {
      for (let i = 0; i < states.length; i++) if (states[i] === WAITING || states[i] === RUNNING) states[i] = FAILED;
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
