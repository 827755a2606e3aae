// One session, live: setup progress until every partition is ready, then
// "Run N rounds" (session-rounds.js does the loop), a chart of the value each
// round returns (k-means: the loss) and one of each round's latency, the
// session's events as they come, and "End session" with the credits spent.
import { account, api, sessionSocket } from "../api.js";
import { duration, h, num } from "../dom.js";
import { roundDriver } from "./round-driver.js";
import { roundRunner } from "./session-rounds.js";
import { recall, remember } from "./session-store.js";
import { FINAL, sessionView } from "./session-view.js";

export function render(main, { id }) {
  const stored = recall(id);
  const driver = stored ? roundDriver(stored.driver) : null;
  const history = stored?.history ?? [];
  const view = sessionView(main, { title: stored?.name, driver, history });
  const { results, note, runStatus, count, controls, end } = view;

  let status = null;
  let socket = null;
  let left = false;
  let clock = null;
  let statusTimer = null;
  let saveTimer = null;

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

  const showControls = () => view.showControls(status, runner.running);
  const tick = () => view.tick(status);

  function show(s) {
    status = s;
    view.show(s);
    if (runner) showControls();
    if (FINAL.has(s.state)) {
      view.showEnded(s);
      clearInterval(clock);
      socket?.close();
      settleBalance();
    }
    tick();
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

  // The status read can see the session ready before its socket says so: the note goes up once either way.
  let readyNoted = false;
  function onEvent(e) {
    if (e.type === "ready" && !readyNoted && status && (status.state === "starting" || status.state === "ready")) {
      readyNoted = true;
      note(`Ready: ${num(e.partitions)} partitions set up in ${duration(Date.now() - Date.parse(status.createdAt)).replace(/^0 s$/, "under a second")}.`, "ready");
      if (status.state === "starting") show({ ...status, state: "ready" });
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
    view.detach();
  };
}
