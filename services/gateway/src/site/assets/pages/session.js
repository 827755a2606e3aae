// One session, live: setup progress until every partition is ready, then
// "Run N rounds" (session-rounds.js does the loop), a chart of the value each
// round returns (k-means: the loss) and one of each round's latency, the
// session's events as they come, and "End session" with the credits spent.
import { account, api, sessionSocket } from "../api.js";
import { duration, field, h, num, when } from "../dom.js";
import { stateBadge } from "./jobs.js";
import { roundDriver } from "./round-driver.js";
import { roundResults, stat } from "./session-results.js";
import { roundRunner } from "./session-rounds.js";
import { recall, remember } from "./session-store.js";

const FINAL = new Set(["ended", "failed"]);

export function render(main, { id }) {
  const stored = recall(id);
  const driver = stored ? roundDriver(stored.driver) : null;
  const history = stored?.history ?? [];
  const title = h("h1", {}, stored?.name ?? "Session");
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

  let status = null;
  let socket = null;
  let left = false;
  let clock = null;
  let statusTimer = null;
  let saveTimer = null;

  const note = (text, kind = "info") => events.prepend(h("li", { class: `event-${kind}` }, h("time", {}, new Date().toLocaleTimeString()), " ", text));
  const save = () => stored && remember({ ...stored, driver: driver.saved(), history });
  const saveSoon = () => (saveTimer ??= setTimeout(() => ((saveTimer = null), save()), 500));

  const runner = driver
    ? roundRunner({
        driver,
        lastRound: history[history.length - 1]?.round ?? 0,
        send: (frame) => socket?.send(frame) ?? false,
        on: {
          record(r) {
            results.add(r);
            saveSoon();
            refreshStatus();
          },
          note,
          idle(r) {
            save();
            runStatus.textContent = `Ran ${r.done} of ${r.asked} round${r.asked === 1 ? "" : "s"} in ${duration(r.ms).replace(/^0 s$/, "under a second")}${r.reason ? `: stopped, ${r.reason}` : "."}`;
            showControls();
            refreshStatus(true);
          },
        },
      })
    : null;

  // One button runs and stops, so focus stays where the person left it.
  function showControls() {
    run.disabled = status?.state !== "ready";
    run.textContent = runner.running ? "Stop" : "Run rounds";
  }

  function show(s) {
    status = s;
    title.textContent = s.name;
    badge.replaceChildren(stateBadge(s.state));
    meta.textContent = `${s.id} · ${num(s.partitions)} partition${s.partitions === 1 ? "" : "s"} · started ${when(s.createdAt)}`;
    end.hidden = FINAL.has(s.state);
    setup.hidden = s.state !== "starting";
    results.setRounds(s.rounds);
    held.textContent = num(s.credits.held);
    spent.textContent = num(s.credits.spent);
    if (runner) showControls();
    if (FINAL.has(s.state)) showEnded(s);
    tick();
  }

  function showEnded(s) {
    controls.hidden = true;
    endedBox.hidden = false;
    endedBox.textContent =
      s.state === "failed"
        ? `The session failed: ${s.error ?? "no reason given"}. ${num(s.credits.spent)} credits were spent on ${num(s.rounds)} rounds; the rest comes back to your balance.`
        : `Session ended: ${num(s.credits.spent)} credits spent on ${num(s.rounds)} round${s.rounds === 1 ? "" : "s"}; the rest of what was held comes back to your balance.`;
    clearInterval(clock);
    socket?.close();
    settleBalance();
  }

  function tick() {
    if (status?.state !== "starting") return;
    setupText.textContent = `Placing ${num(status.partitions)} partitions on the nodes, where setup(items) runs once for each: ${duration(Date.now() - Date.parse(status.createdAt))} so far.`;
  }

  /** Re-reads the status (credits, rounds) at most once a second, or at once when `now`. */
  const refreshStatus = (now = false) => {
    if (now) {
      clearTimeout(statusTimer);
      statusTimer = null;
    }
    if (statusTimer) return;
    statusTimer = setTimeout(async () => {
      statusTimer = null;
      if (left) return;
      try {
        show(await api("GET", `/v1/sessions/${id}`));
      } catch {}
    }, now ? 0 : 1000);
  };

  // The refund is settled after the session ends, through the ledger: re-read the balance until it lands.
  let settling = false;
  function settleBalance() {
    if (settling) return;
    settling = true;
    for (const wait of [300, 1000, 2500, 5000]) setTimeout(() => !left && account.refresh(), wait);
  }

  function onEvent(e) {
    if (e.type === "ready" && status?.state === "starting") {
      note(`Ready: ${num(e.partitions)} partitions set up in ${duration(Date.now() - Date.parse(status.createdAt)).replace(/^0 s$/, "under a second")}.`, "ready");
      show({ ...status, state: "ready" });
    }
    if (e.type === "ended") show({ ...status, state: e.state, ...(e.state === "failed" ? { error: e.reason } : {}) });
    if (runner) runner.event(e);
    else if (e.type !== "ready" && e.type !== "round") note(e.type === "replaced" ? `Partition ${e.partition} moved to node ${e.nodeId}.` : e.message ?? e.reason ?? e.type, e.type);
    if (e.type === "ended" || e.type === "round") refreshStatus();
  }

  // After a drop, re-read the status before reconnecting: a session the
  // gateway no longer has (or a login that expired) is not retried forever.
  function connect() {
    socket = sessionSocket(id, {
      event: onEvent,
      closed: async () => {
        runner?.disconnected();
        if (left || FINAL.has(status?.state)) return;
        await new Promise((resolve) => setTimeout(resolve, 1000));
        try {
          if (!left) show(await api("GET", `/v1/sessions/${id}`));
        } catch (err) {
          if (err.status === 404 || err.status === 401) return note(`Lost the session: ${err.message}`, "error");
        }
        if (!left && !FINAL.has(status.state)) connect();
      },
    });
  }

  controls.addEventListener("submit", (e) => {
    e.preventDefault();
    if (runner.running) {
      runner.stop();
      if (runner.running) runStatus.textContent = "Stopping after the round in flight…";
      return;
    }
    const n = Number(count.value);
    if (!(Number.isInteger(n) && n >= 1 && n <= 1000)) {
      runStatus.textContent = "Rounds to run: a whole number from 1 to 1,000.";
      return count.focus();
    }
    runStatus.textContent = `Running ${n} round${n === 1 ? "" : "s"}…`;
    runner.run(n);
    showControls();
  });
  end.addEventListener("click", async () => {
    end.disabled = true;
    try {
      show(await api("DELETE", `/v1/sessions/${id}`));
    } catch (err) {
      note(`Could not end the session: ${err.message}`, "error");
    } finally {
      end.disabled = false;
    }
  });

  (async () => {
    try {
      show(await api("GET", `/v1/sessions/${id}`));
      if (!FINAL.has(status.state)) {
        connect();
        clock = setInterval(tick, 1000);
      }
    } catch (err) {
      main.replaceChildren(h("h1", {}, "Session not found"), h("p", { class: "form-error", role: "alert" }, err.message), h("p", {}, "The gateway forgets a session a while after it ends. ", h("a", { href: "/sessions" }, "Start a new session")));
    }
  })();

  return () => {
    left = true;
    socket?.close();
    clearInterval(clock);
    clearTimeout(statusTimer);
    if (saveTimer) {
      clearTimeout(saveTimer);
      save();
    }
    results.detach();
  };
}
