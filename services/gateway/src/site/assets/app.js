// The site's entry: a small history router over page modules, the header's
// balance, and sign-out. Pages export `render(main, params)` and may return
// a cleanup function (close sockets, stop timers) run when the page is left.
import { account, session, whenSignedOut } from "./api.js";
import { $, num } from "./dom.js";

const routes = [
  { path: /^\/login$/, page: () => import("./pages/auth.js"), open: true, params: () => ({ mode: "login" }) },
  { path: /^\/signup$/, page: () => import("./pages/auth.js"), open: true, params: () => ({ mode: "signup" }) },
  { path: /^\/jobs$/, page: () => import("./pages/jobs.js") },
  { path: /^\/jobs\/new$/, page: () => import("./pages/new-job.js") },
  { path: /^\/jobs\/([\w-]+)$/, page: () => import("./pages/job.js"), params: (m) => ({ id: m[1] }) },
  { path: /^\/files$/, page: () => import("./pages/files.js") },
  { path: /^\/nodes$/, page: () => import("./pages/nodes.js") },
  { path: /^\/ledger$/, page: () => import("./pages/ledger.js") },
  { path: /^\/sessions$/, page: () => import("./pages/new-session.js") },
  { path: /^\/sessions\/([\w-]+)$/, page: () => import("./pages/session.js"), params: (m) => ({ id: m[1] }) },
];

let cleanup = null;
let generation = 0;

export function navigate(to, { replace = false } = {}) {
  if (replace) history.replaceState(null, "", to);
  else history.pushState(null, "", to);
  return show();
}

async function show() {
  const here = generation + 1;
  generation = here;
  if (typeof cleanup === "function") cleanup();
  cleanup = null;
  const main = $("#main");
  const path = location.pathname.replace(/\/+$/, "") || "/";
  const signedIn = Boolean(session.get());
  chrome(signedIn);
  if (path === "/") return navigate(signedIn ? "/jobs" : "/login", { replace: true });
  const route = routes.find((r) => r.path.test(path));
  if (!route) {
    main.replaceChildren(Object.assign(document.createElement("h1"), { textContent: "Page not found" }));
    return;
  }
  if (!route.open && !signedIn) return navigate(`/login?next=${encodeURIComponent(location.pathname + location.search)}`, { replace: true });
  const params = route.params ? route.params(path.match(route.path)) : {};
  const module = await route.page();
  if (here !== generation) return;
  main.replaceChildren();
  cleanup = module.render(main, params) ?? null;
  const heading = main.querySelector("h1");
  document.title = heading ? `${heading.textContent} · Medusa` : "Medusa";
  if (heading && navigated) {
    heading.tabIndex = -1;
    heading.focus({ preventScroll: false });
  }
  navigated = true;
}
let navigated = false;

/** Header: nav and balance only when signed in. */
function chrome(signedIn) {
  $("#nav").hidden = !signedIn;
  $("#account").hidden = !signedIn;
  for (const a of document.querySelectorAll("#nav a")) {
    const current = location.pathname === a.getAttribute("href");
    if (current) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
  if (signedIn) account.refresh();
}

account.subscribe((me) => {
  $("#available").textContent = num(me?.credits?.available);
  const held = me?.credits?.held;
  $("#held").textContent = typeof held === "number" && held > 0 ? `(${num(held)} held)` : "";
  $("#who").textContent = me?.email ?? "";
});

// Same-origin links go through the router; new tabs and downloads do not.
document.addEventListener("click", (e) => {
  const a = e.target.closest("a");
  if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  if (a.target || a.hasAttribute("download") || a.origin !== location.origin || a.pathname.startsWith("/v1/")) return;
  e.preventDefault();
  if (a.pathname + a.search !== location.pathname + location.search) navigate(a.pathname + a.search);
});
window.addEventListener("popstate", show);

$("#logout").addEventListener("click", () => {
  session.clear();
  account.current = null;
  navigate("/login");
});
whenSignedOut(() => navigate(`/login?next=${encodeURIComponent(location.pathname)}&expired=1`, { replace: true }));
setInterval(() => session.get() && !document.hidden && account.refresh(), 10_000);

show();
