// One job, live: the events socket drives the grid, the progress bar and the
// rates; the job's status (credits, items) is re-read at most once a second.
import { account, api, jobEvents } from "../api.js";
import { h } from "../dom.js";
import { showFirstResults, showResults } from "./job-results.js";
import { FINAL, jobView } from "./job-view.js";

export function render(main, { id }) {
  const view = jobView(main);
  let lastEventId = 0;
  let socket = null;
  let left = false;
  let statusTimer = null;
  let clock = null;
  let finished = false;
  let firstResults = null;

  const refreshStatus = () => {
    if (statusTimer) return;
    statusTimer = setTimeout(async () => {
      statusTimer = null;
      if (left) return;
      try {
        view.show(await api("GET", `/v1/jobs/${id}`));
        if (FINAL.has(view.job.state)) finish();
      } catch {}
    }, 1000);
  };

  function finish() {
    if (finished) return;
    finished = true;
    account.refresh();
    clearInterval(clock);
    view.tickRates();
    firstResults?.stop();
    if (view.job.state === "done") showResults(view.results, view.job);
  }

  function onEvent(e) {
    lastEventId = Math.max(lastEventId, e.id);
    if (e.type === "chunk") view.chunkDone(e.index, e.task);
    if (e.type === "leased") view.chunkLeased(e.index);
    if (e.type === "chunk" && e.task === "map" && !firstResults && !finished) firstResults = showFirstResults(view.results, view.job);
    if (e.chunks) view.showCounts(e.chunks, e.sealed, e.state);
    if (e.type === "failed") view.showError(e.error);
    if (FINAL.has(e.type)) {
      view.ended(e.type);
      (async () => {
        view.show(await api("GET", `/v1/jobs/${id}`));
        finish();
      })();
    } else refreshStatus();
  }

  function connect() {
    socket = jobEvents(id, lastEventId, {
      event: onEvent,
      closed: () => {
        if (!left && !FINAL.has(view.job?.state)) setTimeout(() => !left && connect(), 1000);
      },
    });
  }

  view.cancel.addEventListener("click", async () => {
    const cancel = view.cancel;
    cancel.disabled = true;
    try {
      view.show(await api("POST", `/v1/jobs/${id}/cancel`));
      finish();
    } catch (err) {
      cancel.textContent = err.message;
    } finally {
      cancel.disabled = false;
    }
  });

  (async () => {
    try {
      const status = await api("GET", `/v1/jobs/${id}`);
      view.baseline(status);
      view.show(status);
      connect();
      clock = setInterval(view.tickRates, 1000);
    } catch (err) {
      main.replaceChildren(h("h1", {}, "Job not found"), h("p", { class: "form-error", role: "alert" }, err.message), h("p", {}, h("a", { href: "/jobs" }, "All jobs")));
    }
  })();

  return () => {
    left = true;
    firstResults?.stop();
    socket?.close();
    clearTimeout(statusTimer);
    clearInterval(clock);
    view.detach();
  };
}
