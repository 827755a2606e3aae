/**
 * The local UI's page, script and styles, kept as strings so they are inside
 * the single compiled executable. Plain DOM, no framework: it polls
 * /api/status every two seconds and sends each control change at once.
 */
export const LOCAL_UI_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Medusa node</title>
<link rel="stylesheet" href="/ui.css">
<script type="module" src="/ui.js"></script>
</head>
<body>
<header>
  <h1>Medusa node</h1>
  <p id="connection" class="badge" role="status">Starting…</p>
</header>
<main>
  <p id="update" class="notice" role="status" hidden></p>
  <section aria-labelledby="now-title">
    <h2 id="now-title">Now</h2>
    <p id="activity" class="activity">—</p>
    <dl class="figures">
      <div><dt>Chunks running now</dt><dd id="running">—</dd></div>
      <div><dt>Done today</dt><dd id="done-today">—</dd></div>
      <div><dt>Failed since start</dt><dd id="failed">—</dd></div>
      <div><dt>Credits earned</dt><dd id="credits">—</dd></div>
    </dl>
    <p class="note" id="credits-note">Credits earned, all time, as the gateway counts them for accepted results (the node is not told what a chunk pays); also on the site's <a id="nodes-link" href="#" rel="noreferrer">Nodes page</a>.</p>
    <p class="note" id="counting-since"></p>
    <dl class="facts">
      <div><dt>Node</dt><dd id="node-id">—</dd></div>
      <div><dt>Gateway</dt><dd id="gateway">—</dd></div>
      <div><dt>Sandbox</dt><dd id="sandbox">—</dd></div>
      <div><dt>Version</dt><dd id="version">—</dd></div>
    </dl>
    <p class="note" id="sandbox-note"></p>
  </section>
  <section aria-labelledby="controls-title">
    <h2 id="controls-title">Controls</h2>
    <p class="hint">Changes apply at once, without a restart, and are kept for the next start.</p>
    <div class="control">
      <button id="pause" type="button" aria-pressed="false">Pause</button>
      <span class="hint">Paused, the node finishes what is running and takes no new chunks.</span>
    </div>
    <div class="control">
      <label for="slots">CPU cap: chunks at once</label>
      <div class="row"><input id="slots" type="range" min="1" max="1" value="1" aria-describedby="slots-out"><output id="slots-out" for="slots">—</output></div>
    </div>
    <div class="control">
      <label for="idle">Run only after the computer has been idle for (minutes, 0 = always)</label>
      <div class="row"><input id="idle" type="number" inputmode="numeric" min="0" max="1440" step="1" value="0"><button id="idle-save" type="button">Apply</button></div>
      <p class="hint" id="idle-info"></p>
    </div>
    <p id="message" role="status" aria-live="polite"></p>
  </section>
</main>
</body>
</html>
`;

export const LOCAL_UI_CSS = `:root { color-scheme: light dark; --ok: #1a7f37; --warn: #9a6700; --bad: #cf222e; --muted: #6e7781; }
* { box-sizing: border-box; }
body { font: 16px/1.5 system-ui, sans-serif; margin: 0 auto; max-width: 46rem; padding: 1rem; }
header { display: flex; flex-wrap: wrap; align-items: center; justify-content: space-between; gap: .5rem; }
h1 { font-size: 1.4rem; margin: 0; } h2 { font-size: 1.1rem; margin: 1.5rem 0 .5rem; }
.badge { margin: 0; padding: .2rem .7rem; border-radius: 1rem; font-weight: 600; border: 2px solid currentColor; }
.badge.ok { color: var(--ok); } .badge.bad { color: var(--bad); }
.activity { font-size: 1.2rem; font-weight: 600; margin: .25rem 0; }
.activity.running { color: var(--ok); } .activity.paused, .activity.waiting-for-idle { color: var(--warn); }
dl { margin: 0; display: grid; gap: .5rem; }
.figures { grid-template-columns: repeat(auto-fit, minmax(9rem, 1fr)); }
.figures div { border: 1px solid var(--muted); border-radius: .5rem; padding: .5rem .75rem; }
.figures dd { font-size: 1.6rem; font-variant-numeric: tabular-nums; margin: 0; }
.facts div { display: flex; gap: .5rem; } .facts dt { color: var(--muted); min-width: 6rem; } .facts dd { margin: 0; overflow-wrap: anywhere; }
dt { font-size: .85rem; }
.note, .hint { color: var(--muted); font-size: .9rem; margin: .4rem 0; }
.control { margin: 1rem 0; } .control label { display: block; font-weight: 600; }
.row { display: flex; align-items: center; gap: .75rem; }
input[type=range] { flex: 1; min-height: 2.75rem; } input[type=number] { width: 6rem; font: inherit; padding: .4rem; }
input[type=url], input[type=text] { display: block; width: 100%; max-width: 28rem; font: inherit; padding: .5rem; margin-top: .25rem; }
#code { font-family: ui-monospace, monospace; letter-spacing: .1em; text-transform: uppercase; }
button { font: inherit; padding: .55rem 1.2rem; min-height: 2.75rem; border-radius: .4rem; border: 1px solid var(--muted); cursor: pointer; }
#pause[aria-pressed=true] { background: var(--warn); color: white; }
:focus-visible { outline: 3px solid #0969da; outline-offset: 2px; }
#message.error { color: var(--bad); }
.notice { border: 2px solid var(--warn); border-radius: .5rem; padding: .6rem .9rem; }
`;

export const LOCAL_UI_JS = `const $ = (id) => document.getElementById(id);
let status = null;

const SANDBOX_NOTE = {
  "os-sandbox": "Programs run in WebAssembly inside runner processes that the operating system confines (seccomp): no files, no network.",
  "wasi-only": "This computer gives runners no OS sandbox (that needs Linux with seccomp), so the node runs WebAssembly (WASI) jobs only and no Python.",
  process: "Python runs without an OS sandbox because the node was started with --allow-unsandboxed-python.",
};

function showUpdate(u) {
  const box = $("update");
  box.hidden = !u;
  if (!u) return;
  box.replaceChildren("A newer node is available: " + u.version + ". ");
  const link = document.createElement("a");
  link.href = u.download || u.page;
  link.textContent = u.download ? "Download it" : "Get it from the site";
  link.rel = "noreferrer";
  box.append(link, " (or see the site's ");
  const page = document.createElement("a");
  page.href = u.page;
  page.textContent = "Nodes page";
  page.rel = "noreferrer";
  box.append(page, "), then restart the node. It does not replace itself.");
}

const ACTIVITY = {
  running: "Taking chunks",
  paused: "Paused",
  "waiting-for-idle": "Waiting: the computer is in use",
  stopping: "Stopping",
};

function minutes(ms) {
  if (ms === null) return "unknown";
  const m = Math.floor(ms / 60000);
  return m < 1 ? "under a minute" : m + " min";
}

function render(s) {
  status = s;
  const conn = $("connection");
  conn.textContent = s.connected ? "Connected" : "Not connected";
  conn.className = "badge " + (s.connected ? "ok" : "bad");
  const act = $("activity");
  act.textContent = ACTIVITY[s.activity] || s.activity;
  act.className = "activity " + s.activity;
  $("running").textContent = String(s.chunks.running);
  $("done-today").textContent = String(s.chunks.doneToday);
  $("failed").textContent = String(s.chunks.failedSinceStart);
  $("counting-since").textContent = "Counted since " + new Date(s.countingSince).toLocaleString() + ".";
  $("node-id").textContent = s.nodeId || "not yet known";
  $("gateway").textContent = s.gateway;
  $("sandbox").textContent = s.sandbox;
  $("sandbox-note").textContent = SANDBOX_NOTE[s.sandbox] || "";
  $("version").textContent = s.version;
  showUpdate(s.update);
  $("nodes-link").href = new URL("/nodes", s.gateway).href;
  const pause = $("pause");
  pause.textContent = s.settings.paused ? "Resume" : "Pause";
  pause.setAttribute("aria-pressed", String(s.settings.paused));
  const slots = $("slots");
  slots.max = String(s.slots.max);
  if (document.activeElement !== slots) slots.value = String(s.slots.current);
  $("slots-out").textContent = slots.value + " of " + s.slots.max;
  const idle = $("idle");
  if (document.activeElement !== idle) idle.value = String(s.settings.idleMinutes);
  $("idle-info").textContent = s.settings.idleMinutes > 0
    ? "Idle for " + minutes(s.idle.idleMs) + ", as seen by " + s.idle.source + "."
    : "Idle time is watched through " + s.idle.source + ".";
  if (s.settingsProblem) say(s.settingsProblem, true);
}

function say(text, isError) {
  const m = $("message");
  m.textContent = text;
  m.className = isError ? "error" : "";
}

async function refresh() {
  try {
    const res = await fetch("/api/status", { cache: "no-store" });
    if (!res.ok) throw new Error((await res.json()).error.message);
    render(await res.json());
  } catch (err) {
    $("connection").textContent = "Local UI unreachable";
    $("connection").className = "badge bad";
  }
}

async function change(patch, done) {
  try {
    const res = await fetch("/api/settings", { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify(patch) });
    const body = await res.json();
    if (!res.ok) return say(body.error.message, true);
    render(body);
    say(done, false);
  } catch (err) {
    say("Could not reach the node: " + err.message, true);
  }
}

$("pause").addEventListener("click", () => {
  const paused = !(status && status.settings.paused);
  change({ paused }, paused ? "Paused." : "Resumed.");
});
$("slots").addEventListener("input", () => { $("slots-out").textContent = $("slots").value + " of " + $("slots").max; });
$("slots").addEventListener("change", () => change({ slots: Number($("slots").value) }, "CPU cap set to " + $("slots").value + "."));
function saveIdle() {
  const n = Number($("idle").value);
  change({ idleMinutes: n }, n === 0 ? "Runs whenever it is not paused." : "Runs only after " + n + " idle minute(s).");
}
$("idle-save").addEventListener("click", saveIdle);
$("idle").addEventListener("keydown", (e) => { if (e.key === "Enter") saveIdle(); });

async function refreshEarnings() {
  try {
    const e = await (await fetch("/api/earnings", { cache: "no-store" })).json();
    $("credits").textContent = e.error === undefined ? String(e.creditsEarned) : "—";
    $("credits").title = e.error === undefined ? e.chunksDone + " chunks paid for" : "could not ask the gateway: " + e.error;
  } catch (err) {
    $("credits").textContent = "—";
  }
}

refresh();
setInterval(refresh, 2000);
refreshEarnings();
setInterval(refreshEarnings, 5000);
`;
