// The job page's view: heading, progress bar, figures, chunk grid, error and
// results. It shows what it is told; job.js feeds it from the events socket
// and the job's status.
import { duration, fill, h, num, stat, when } from "../dom.js";
import { chunkGrid, LEGEND } from "./chunk-grid.js";
import { rateMeter } from "./job-rate.js";
import { stateBadge } from "./jobs.js";

export const FINAL = new Set(["done", "failed", "cancelled"]);

export function jobView(main) {
  const title = h("h1", {}, "Job");
  const badge = h("span", { "data-testid": "job-state" });
  const cancel = h("button", { type: "button", class: "danger", hidden: true }, "Cancel job");
  const bar = h("progress", { max: 1, value: 0, "aria-label": "Chunks done", "data-testid": "job-progress" });
  const pct = h("span", { class: "pct", "data-testid": "job-percent" }, "0%");
  const counts = h("p", { class: "muted", "aria-live": "polite" });
  const [rateBox, rate] = stat("Items per second", "job-rate");
  const [etaBox, eta] = stat("Time left", "job-eta");
  const [runBox, running] = stat("Chunks running", "job-running");
  const [failBox, failedAttempts] = stat("Failed attempts", "job-failed");
  const [heldBox, held] = stat("Credits held", "job-held");
  const [spentBox, spent] = stat("Credits spent", "job-spent");
  const [elapsedBox, elapsed] = stat("Elapsed", "job-elapsed");
  const grid = chunkGrid();
  const errorBox = h("section", { hidden: true, "aria-labelledby": "job-error-title" }, h("h2", { id: "job-error-title" }, "Error"));
  const results = h("section", { hidden: true, "aria-labelledby": "job-results-title" });
  const meta = h("p", { class: "hint" });

  main.append(
    h("div", { class: "job-head" }, title, badge, cancel),
    meta,
    h("div", { class: "progress-line" }, bar, pct),
    counts,
    h("dl", { class: "stats" }, rateBox, etaBox, runBox, failBox, heldBox, spentBox, elapsedBox),
    h("h2", {}, "Chunks"),
    h("div", { class: "grid-wrap" }, grid.el),
    h("ul", { class: "legend" }, LEGEND.map(([v, label]) => h("li", {}, h("span", { class: `swatch${v.slice(1)}` }), label))),
    errorBox,
    results,
  );
  grid.attach();

  let job = null;
  const meter = rateMeter();

  function show(status) {
    job = status;
    title.textContent = status.name;
    fill(badge, stateBadge(status.state));
    meta.textContent = `${status.id} · submitted ${when(status.createdAt)}${status.finishedAt ? ` · finished ${when(status.finishedAt)}` : ""}`;
    cancel.hidden = FINAL.has(status.state);
    showCounts(status.chunks, status.sealed, status.state);
    held.textContent = num(status.credits?.held);
    spent.textContent = num(status.credits?.spent);
    if (status.state === "failed" && status.error) showError(status.error);
  }

  function showCounts(c, sealed, state) {
    grid.setTotal(c.total);
    bar.max = Math.max(1, c.total);
    bar.value = c.done;
    const p = c.total > 0 ? Math.floor((100 * c.done) / c.total) : 0;
    pct.textContent = `${p}%`;
    counts.textContent = `${num(c.done)} of ${num(c.total)} chunks done${sealed === false ? " (still splitting the input)" : ""}`;
    running.textContent = num(c.running);
    failedAttempts.textContent = num(c.failed);
    grid.describe(`Chunk grid: ${c.done} of ${c.total} chunks done, ${grid.runningCount()} running`);
    if (state && FINAL.has(state)) cancel.hidden = true;
    meter.sample(c.done);
    tickRates();
  }

  function tickRates() {
    if (!job) return;
    const final = FINAL.has(job.state);
    const end = job.finishedAt ? Date.parse(job.finishedAt) : Date.now();
    elapsed.textContent = duration(end - Date.parse(job.createdAt));
    const perChunk = job.chunks.total > 0 ? job.items / job.chunks.total : null;
    const live = meter.perSecond();
    if (final) {
      const secs = (end - Date.parse(job.createdAt)) / 1000;
      rate.textContent = job.state === "done" && secs > 0 ? num(Math.round(job.items / secs)) : "—";
      eta.textContent = job.state === "done" ? "finished" : "—";
      return;
    }
    rate.textContent = live !== null && perChunk !== null ? num(Math.round(live * perChunk)) : "—";
    const remaining = bar.max - bar.value;
    eta.textContent = live && job.sealed ? duration((remaining / live) * 1000) : "—";
  }

  function showError(text) {
    errorBox.hidden = false;
    if (!errorBox.querySelector("pre")) errorBox.append(h("pre", { class: "error", role: "alert", "data-testid": "job-error" }, text));
    grid.failRest();
  }

  return {
    /** The status last shown, or null before the first. */
    get job() {
      return job;
    },
    cancel,
    results,
    show,
    showCounts,
    tickRates,
    showError,
    /** A chunk landed (from its event). */
    chunkDone: (index, task) => grid.done(index, task),
    chunkLeased: (index) => grid.running(index),
    /** The first status seen: rates count from here. */
    baseline: (status) => meter.baseline(status.chunks.done),
    /** The events said the job ended; its status is re-read next. */
    ended(state) {
      job = { ...job, state };
      fill(badge, stateBadge(state));
    },
    detach: () => grid.detach(),
  };
}
