/**
 * The local UI listens on loopback, but a web page the volunteer visits can
 * still reach loopback through their browser: by DNS rebinding (evil.example
 * resolving to 127.0.0.1, so the browser sends `Host: evil.example:7077`) or
 * by a cross-site request (which carries the page's `Origin`). So a request
 * is served only when its Host names this UI on a loopback name and, when it
 * has an Origin, that Origin is exactly this UI's. Programs on the same
 * computer (curl) send no Origin and pass; they could read the settings
 * file anyway.
 */
const LOOPBACK_NAMES = new Set(["127.0.0.1", "localhost", "[::1]"]);

/** Why the request must be refused, or null when it may be served. */
export function foreignRequestReason(req: Request, port: number): string | null {
  const host = req.headers.get("host");
  if (!host) return "request has no Host header";
  if (!isLocalAuthority(host, port)) return `Host ${host} is not this computer's local UI`;
  const origin = req.headers.get("origin");
  if (origin !== null) {
    let url: URL | null = null;
    try {
      url = new URL(origin);
    } catch {
      // "null" (sandboxed frames, file://) and junk are not local.
    }
    if (!url || url.protocol !== "http:" || !isLocalAuthority(url.host, port)) return `Origin ${origin} is not this local UI`;
  }
  // A browser that says the request crossed sites is believed even without an Origin.
  const site = req.headers.get("sec-fetch-site");
  if (site !== null && site !== "same-origin" && site !== "none") return `cross-site request (Sec-Fetch-Site: ${site})`;
  return null;
}

function isLocalAuthority(authority: string, port: number): boolean {
  const match = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(authority.toLowerCase());
  if (!match) return false;
  const [, name, portText] = match;
  return LOOPBACK_NAMES.has(name!) && Number(portText ?? 80) === port;
}
