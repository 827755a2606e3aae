// The session page's view: heading, setup progress, the run-rounds form,
// the rounds' figures and charts, credits and the events list. It shows what
// it is told; session.js drives it from the session socket and status.
import { duration, field, h, num, stat, when } from "../dom.js";
import { stateBadge } from "./jobs.js";
import { roundResults } from "./session-results.js";

export const FINAL = new Set(["ended", "failed"]);

/** `driver` is null for a session this browser did not start: it can be watched and ended here, not run. */
export function sessionView(main, { title: name, driver, history }) {
  const title = h("h1", {}, name ?? "Session");
  const badge = h("span", { "data-testid": "session-state" });
  const end = h("button", { type: "button", class: "danger", hidden: true }, "End session");
  const meta = h("p", { class: "hint" });
  const setupText = h("p", { "aria-live": "polite" });
  const setup = h("section", { class: "setup", "aria-labelledby": "setup-title", hidden: true }, h("h2", { id: "setup-title" }, "Setting up"), h("progress", { "aria-labelledby": "setup-title" }), setupText);
  const count = h("input", { type: "number", min: 1, max: 1000, step: 1, value: 5, inputmode: "numeric" });
  const run = h("button", { type: "submit", class: "primary", disabled: true }, "Run rounds");
  const runStatus = h("p", { class: "muted", "aria-live": "polite", "data-testid": "run-status" });
  const controls = h("form", { class: "run", "aria-label": "Run rounds", novalidate: true }, field("Rounds to run", count, { name: "count" }), h("div", { class: "actions" }, run), runStatus);
  const results = roundResults(driver, history);
  const events = h("ol", { class: "events", "aria-live": "polite", "data-testid": "session-events" });
  const endedBox = h("p", { class: "notice", role: "status", hidden: true, "data-testid": "session-ended" });
  const [heldBox, held] = stat("Credits held", "session-held");
  const [spentBox, spent] = stat("Credits spent", "session-spent");
  const stranger = driver ? null : h("p", { class: "notice" }, "This browser did not start this session, so it does not hold its round state (the k-means centroids): you can watch it and end it here, not run rounds.");

  // Through h(), which skips the nulls (a page of another browser's session has no controls).
  const page = h(
    "div",
    {},
    h("div", { class: "job-head" }, title, badge, end),
    meta,
    stranger,
    endedBox,
    setup,
    h("dl", { class: "stats" }, results.stats, heldBox, spentBox),
    driver ? controls : null,
    results.el,
    h("h2", {}, "Events"),
    events,
  );
  main.append(...page.childNodes);
  results.attach();

  return {
    end,
    controls,
    count,
    runStatus,
    results,
    note: (text, kind = "info") => events.prepend(h("li", { class: `event-${kind}` }, h("time", {}, new Date().toLocaleTimeString()), " ", text)),
    show(s) {
      title.textContent = s.name;
      badge.replaceChildren(stateBadge(s.state));
      meta.textContent = `${s.id} · ${num(s.partitions)} partition${s.partitions === 1 ? "" : "s"} · started ${when(s.createdAt)}`;
      end.hidden = FINAL.has(s.state);
      setup.hidden = s.state !== "starting";
      results.setRounds(s.rounds);
      held.textContent = num(s.credits.held);
      spent.textContent = num(s.credits.spent);
    },
    // One button runs and stops, so focus stays where the person left it.
    showControls(s, running) {
      run.disabled = s?.state !== "ready";
      run.textContent = running ? "Stop" : "Run rounds";
    },
    showEnded(s) {
      controls.hidden = true;
      endedBox.hidden = false;
      endedBox.textContent =
        s.state === "failed"
          ? `The session failed: ${s.error ?? "no reason given"}. ${num(s.credits.spent)} credits were spent on ${num(s.rounds)} rounds; the rest comes back to your balance.`
          : `Session ended: ${num(s.credits.spent)} credits spent on ${num(s.rounds)} round${s.rounds === 1 ? "" : "s"}; the rest of what was held comes back to your balance.`;
    },
    /** While the partitions are being placed: how long it has taken so far. */
    tick(s) {
      if (s?.state !== "starting") return;
      setupText.textContent = `Placing ${num(s.partitions)} partitions on the nodes, where setup(items) runs once for each: ${duration(Date.now() - Date.parse(s.createdAt))} so far.`;
    },
    detach: () => results.detach(),
  };
}
