// The site's only way to the gateway: API v1 with the login token kept in
// localStorage (the API takes bearer tokens, not cookies, so there is no
// cross-site request to forge).

const TOKEN_KEY = "medusa.session";

export class ApiError extends Error {
  constructor(status, code, message, details) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }

  /** The fields the error names: `[{field, message}]`, from zod issues or a single `details.field`. */
  get fields() {
    const d = this.details;
    if (d && Array.isArray(d.issues)) return d.issues.filter((i) => i && typeof i.field === "string");
    if (d && typeof d.field === "string") return [{ field: d.field, message: this.message }];
    return [];
  }
}

export const session = {
  get() {
    try {
      const s = JSON.parse(localStorage.getItem(TOKEN_KEY) ?? "null");
      if (s && typeof s.token === "string" && Date.parse(s.expiresAt) > Date.now()) return s;
    } catch {}
    return null;
  },
  set(value) {
    localStorage.setItem(TOKEN_KEY, JSON.stringify(value));
  },
  clear() {
    localStorage.removeItem(TOKEN_KEY);
  },
};

/** Listeners told when the API says the session is gone (401). */
const onSignedOut = new Set();
export const whenSignedOut = (fn) => onSignedOut.add(fn);

function authHeaders() {
  const s = session.get();
  return s ? { authorization: `Bearer ${s.token}` } : {};
}

async function errorOf(res) {
  let body = null;
  try {
    body = await res.json();
  } catch {}
  const e = body?.error ?? {};
  const err = new ApiError(res.status, e.code ?? "http_" + res.status, e.message ?? res.statusText ?? "request failed", e.details);
  if (res.status === 401 && session.get()) {
    session.clear();
    for (const fn of onSignedOut) fn();
  }
  return err;
}

/** A JSON request; resolves with the parsed body (or the Response when `raw`). */
export async function api(method, path, body, { raw = false } = {}) {
  const headers = { ...authHeaders() };
  if (body !== undefined) headers["content-type"] = "application/json";
  let res;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (err) {
    throw new ApiError(0, "network", `cannot reach the gateway: ${err.message}`);
  }
  if (!res.ok) throw await errorOf(res);
  if (raw) return res;
  return res.status === 204 ? null : res.json();
}

/** Like api(), but a route that does not exist yet (404/501) gives null instead of an error. */
export async function optional(path) {
  try {
    return await api("GET", path);
  } catch (err) {
    if (err.status === 404 || err.status === 501) return null;
    throw err;
  }
}

/** PUT a file with upload progress (fetch cannot report it; XHR can). */
export function uploadFile(path, file, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("PUT", `/v1/files/${path.split("/").map(encodeURIComponent).join("/")}`);
    for (const [k, v] of Object.entries(authHeaders())) xhr.setRequestHeader(k, v);
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded, e.total);
    xhr.onload = async () => {
      const res = new Response(xhr.responseText, { status: xhr.status });
      if (xhr.status >= 200 && xhr.status < 300) resolve(JSON.parse(xhr.responseText));
      else reject(await errorOf(res));
    };
    xhr.onerror = () => reject(new ApiError(0, "network", "upload failed: connection lost"));
    xhr.send(file);
  });
}

/** The job's live events; `from` resumes after an event id. Returns the WebSocket. */
export function jobEvents(jobId, from, handlers) {
  const url = new URL(`/v1/jobs/${encodeURIComponent(jobId)}/events`, location.href);
  url.protocol = location.protocol === "https:" ? "wss:" : "ws:";
  url.searchParams.set("token", session.get()?.token ?? "");
  url.searchParams.set("from", String(from));
  const ws = new WebSocket(url);
  ws.onmessage = (m) => {
    try {
      handlers.event(JSON.parse(m.data));
    } catch (err) {
      console.error("bad job event", err);
    }
  };
  ws.onclose = (e) => handlers.closed(e);
  return ws;
}

/**
 * A session's WebSocket: sends `{round, params}` frames, hands every
 * SessionEvent (ready, round, replaced, error, ended) to `handlers.event`.
 */
export function sessionSocket(sessionId, handlers) {
  const url = new URL(`/v1/sessions/${encodeURIComponent(sessionId)}/ws`, location.href);
  url.protocol = location.protocol === "https:" ? "wss:" : "ws:";
  url.searchParams.set("token", session.get()?.token ?? "");
  const ws = new WebSocket(url);
  ws.onmessage = (m) => {
    let event;
    try {
      event = JSON.parse(m.data);
    } catch (err) {
      return console.error("bad session event", err);
    }
    handlers.event(event);
  };
  ws.onclose = (e) => handlers.closed(e);
  return {
    /** False when the socket is not open (the frame is not sent). */
    send(frame) {
      if (ws.readyState !== WebSocket.OPEN) return false;
      ws.send(JSON.stringify(frame));
      return true;
    },
    close: () => ws.close(),
  };
}

/** The signed-in account, shared by the header's balance and the pages. */
const accountListeners = new Set();
export const account = {
  current: null,
  subscribe(fn) {
    accountListeners.add(fn);
    if (this.current) fn(this.current);
    return () => accountListeners.delete(fn);
  },
  async refresh() {
    if (!session.get()) return null;
    try {
      this.current = await api("GET", "/v1/me");
      for (const fn of accountListeners) fn(this.current);
    } catch (err) {
      if (err.status !== 401) console.warn("could not refresh the balance", err);
    }
    return this.current;
  },
};
