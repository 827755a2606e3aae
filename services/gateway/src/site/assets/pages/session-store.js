// The sessions this browser started: each one's round driver (k-means keeps
// its centroids here, not on the gateway) and its rounds so far, so the
// session page survives a reload and the sessions page can list them.
// Kept in localStorage, at most MAX sessions, the oldest dropped first.
const KEY = "medusa.sessions";
const MAX = 20;

function all() {
  try {
    const value = JSON.parse(localStorage.getItem(KEY) ?? "{}");
    return value && typeof value === "object" && !Array.isArray(value) ? value : {};
  } catch {
    return {};
  }
}

function write(entries) {
  const kept = Object.values(entries)
    .sort((a, b) => (b.startedAt ?? "").localeCompare(a.startedAt ?? ""))
    .slice(0, MAX);
  try {
    localStorage.setItem(KEY, JSON.stringify(Object.fromEntries(kept.map((e) => [e.id, e]))));
  } catch (err) {
    // A full storage loses the page's memory of old rounds, not the session.
    console.warn("could not keep the session's rounds", err);
  }
}

/** `{id, owner, name, startedAt, driver, history: [{round, value, ms, rtt}]}` or null. */
export function recall(id) {
  return all()[id] ?? null;
}

export function remember(entry) {
  write({ ...all(), [entry.id]: entry });
}

export function forget(id) {
  const entries = all();
  delete entries[id];
  write(entries);
}

/** This account's sessions, newest first. */
export function recent(owner) {
  return Object.values(all())
    .filter((e) => e.owner === owner)
    .sort((a, b) => (b.startedAt ?? "").localeCompare(a.startedAt ?? ""));
}
