import type { Server } from "bun";
import { errorMessage } from "@medusa/core";
import type { NodeControls } from "./controls.ts";
import { foreignRequestReason } from "./local-guard.ts";
import { LOCAL_UI_CSS, LOCAL_UI_HTML, LOCAL_UI_JS } from "./page.ts";
import { InvalidSetting } from "./settings.ts";

export interface LocalUi {
  readonly url: string;
  readonly port: number;
  stop(): void;
}

const SECURITY_HEADERS = {
  "content-security-policy": "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  "x-frame-options": "DENY",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cache-control": "no-store",
};

const send = (body: string, type: string, status = 200) =>
  new Response(body, { status, headers: { ...SECURITY_HEADERS, "content-type": `${type}; charset=utf-8` } });
const json = (value: unknown, status = 200) => send(JSON.stringify(value), "application/json", status);
/** `issue` names the field and what is wrong with it, as the gateway's validation errors do. */
const error = (status: number, code: string, message: string, issue?: { field: string; message: string }) =>
  json({ error: { code, message, ...(issue ? { details: { issues: [issue] } } : {}) } }, status);

/**
 * The volunteer's page, on loopback only: status and the three controls.
 * Every request passes the local guard first (see local-guard.ts); changes
 * must be JSON, which a cross-site form cannot send without a preflight this
 * server never answers.
 */
export function serveLocalUi(controls: NodeControls, options: { port: number; hostname?: string }): LocalUi {
  let server: Server<undefined>;
  const handle = async (req: Request): Promise<Response> => {
    const refused = foreignRequestReason(req, server.port!);
    if (refused) return error(403, "forbidden", `refused: ${refused}`);
    const { pathname } = new URL(req.url);
    const route = `${req.method} ${pathname}`;
    switch (route) {
      case "GET /":
        return send(LOCAL_UI_HTML, "text/html");
      case "GET /ui.js":
        return send(LOCAL_UI_JS, "text/javascript");
      case "GET /ui.css":
        return send(LOCAL_UI_CSS, "text/css");
      case "GET /api/status":
        return json(controls.status());
      case "PUT /api/settings":
        return updateSettings(req, controls);
    }
    const known = ["/", "/ui.js", "/ui.css", "/api/status", "/api/settings"].includes(pathname);
    return known ? error(405, "method_not_allowed", `${req.method} is not allowed on ${pathname}`) : error(404, "not_found", `no page ${pathname}`);
  };
  server = Bun.serve({ hostname: options.hostname ?? "127.0.0.1", port: options.port, fetch: handle });
  return {
    url: `http://127.0.0.1:${server.port}/`,
    port: server.port!,
    stop: () => void server.stop(true),
  };
}

async function updateSettings(req: Request, controls: NodeControls): Promise<Response> {
  if (!req.headers.get("content-type")?.startsWith("application/json")) return error(415, "unsupported_media_type", "send the settings as application/json");
  let body: unknown;
  try {
    body = await req.json();
  } catch {
    return error(400, "bad_request", "body is not valid JSON");
  }
  try {
    return json(await controls.update(body));
  } catch (err) {
    if (err instanceof InvalidSetting) return error(400, "invalid_field", err.message, { field: err.field, message: err.reason });
    return error(500, "internal", `could not save the settings: ${errorMessage(err)}`);
  }
}
