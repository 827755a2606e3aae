// The caller's jobs, newest first, refreshed while any is still running.
import { api } from "../api.js";
import { fill, h, num, when } from "../dom.js";

export function render(main) {
  const list = h("div", { class: "table-wrap" }, h("p", { class: "loading" }, "Loading jobs…"));
  let timer = null;
  const refresh = async () => {
    try {
      const { jobs } = await api("GET", "/v1/jobs?limit=100");
      fill(list, jobs.length === 0 ? h("p", { class: "empty" }, "No jobs yet. ", h("a", { href: "/jobs/new" }, "Submit your first job.")) : table(jobs));
      const live = jobs.some((j) => j.state === "queued" || j.state === "running");
      timer = live ? setTimeout(refresh, 2000) : null;
    } catch (err) {
      fill(list, h("p", { class: "form-error", role: "alert" }, err.message));
    }
  };
  main.append(h("div", { class: "job-head" }, h("h1", {}, "Jobs"), h("a", { href: "/jobs/new", class: "button primary" }, "New job")), list);
  refresh();
  return () => clearTimeout(timer);
}

export const stateBadge = (state) => h("span", { class: `badge state-${state}` }, state);

function table(jobs) {
  return h(
    "table",
    {},
    h("thead", {}, h("tr", {}, h("th", {}, "Job"), h("th", {}, "State"), h("th", { class: "num" }, "Chunks done"), h("th", { class: "num wide" }, "Credits spent"), h("th", { class: "wide" }, "Submitted"))),
    h(
      "tbody",
      {},
      jobs.map((j) =>
        h(
          "tr",
          {},
          h("td", {}, h("a", { href: `/jobs/${j.id}` }, j.name), h("div", { class: "hint" }, j.id)),
          h("td", {}, stateBadge(j.state)),
          h("td", { class: "num" }, `${num(j.chunks.done)} / ${num(j.chunks.total)}`),
          h("td", { class: "num wide" }, num(j.credits?.spent)),
          h("td", { class: "wide" }, when(j.createdAt)),
        ),
      ),
    ),
  );
}
