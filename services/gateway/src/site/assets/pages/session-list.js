// The sessions this browser started, with their state as the gateway tells
// it (the API has no list of sessions; the gateway forgets one a while after
// it ends, and so does this list).
import { account, api } from "../api.js";
import { fill, h, num, when } from "../dom.js";
import { stateBadge } from "./jobs.js";
import { forget, recent } from "./session-store.js";

export function recentSessions() {
  const body = h("div", { class: "table-wrap" });
  const section = h("section", { "aria-labelledby": "recent-sessions", hidden: true }, h("h2", { id: "recent-sessions" }, "Sessions started in this browser"), body);
  let stopped = false;
  (async () => {
    const me = account.current ?? (await account.refresh());
    const entries = recent(me?.id);
    if (entries.length === 0) return;
    const rows = await Promise.all(
      entries.map(async (entry) => {
        try {
          return { entry, status: await api("GET", `/v1/sessions/${encodeURIComponent(entry.id)}`) };
        } catch (err) {
          if (err.status === 404) forget(entry.id);
          return err.status === 404 ? null : { entry, status: null };
        }
      }),
    );
    const known = rows.filter(Boolean);
    if (stopped || known.length === 0) return;
    section.hidden = false;
    fill(body, table(known));
  })();
  return { el: section, stop: () => (stopped = true) };
}

function table(rows) {
  return h(
    "table",
    {},
    h("thead", {}, h("tr", {}, h("th", {}, "Session"), h("th", {}, "State"), h("th", { class: "num" }, "Rounds"), h("th", { class: "num wide" }, "Credits spent"), h("th", { class: "wide" }, "Started"))),
    h(
      "tbody",
      {},
      rows.map(({ entry, status }) =>
        h(
          "tr",
          {},
          h("td", {}, h("a", { href: `/sessions/${entry.id}` }, entry.name), h("div", { class: "hint" }, entry.id)),
          h("td", {}, status ? stateBadge(status.state) : "—"),
          h("td", { class: "num" }, num(status?.rounds)),
          h("td", { class: "num wide" }, num(status?.credits.spent)),
          h("td", { class: "wide" }, when(entry.startedAt)),
        ),
      ),
    ),
  );
}
