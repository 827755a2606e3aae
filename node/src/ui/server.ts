import type { Server } from "bun";
import { errorMessage } from "@medusa/core";
import type { NodeControls } from "./controls.ts";
import type { EarningsReader } from "./earnings.ts";
import { foreignRequestReason } from "./local-guard.ts";
import { LOCAL_UI_CSS, LOCAL_UI_HTML, LOCAL_UI_JS } from "./page.ts";
import { InvalidSetting } from "./settings.ts";

/**
 * The volunteer's page, on loopback only. One server for the node's whole
 * life: first, when the node has no token yet, it shows the activation form
 * (activation-ui.ts), then the status and the three controls. Every request
 * passes the local guard first (see local-guard.ts); changes must be JSON,
 * which a cross-site form cannot send without a preflight this server never
 * answers.
 */
export interface LocalUi {
  readonly url: string;
  readonly port: number;
  /** From now on, requests that pass the guard go to `pages`. */
  show(pages: LocalPages): void;
  stop(): void;
}

/** What a phase of the UI serves: a response for its routes, null for a path it does not know. */
export type LocalPages = (req: Request, pathname: string) => Promise<Response | null> | Response | null;

const SECURITY_HEADERS = {
  "content-security-policy": "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  "x-frame-options": "DENY",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cache-control": "no-store",
};

export const send = (body: string, type: string, status = 200) =>
  new Response(body, { status, headers: { ...SECURITY_HEADERS, "content-type": `${type}; charset=utf-8` } });
export const json = (value: unknown, status = 200) => send(JSON.stringify(value), "application/json", status);
/** `issue` names the field and what is wrong with it, as the gateway's validation errors do. */
export const error = (status: number, code: string, message: string, issue?: { field: string; message: string }) =>
  json({ error: { code, message, ...(issue ? { details: { issues: [issue] } } : {}) } }, status);

/** Reads a JSON body, or says why not (415 / 400) as a Response. */
export async function jsonBody(req: Request): Promise<{ body: unknown } | Response> {
  if (!req.headers.get("content-type")?.startsWith("application/json")) return error(415, "unsupported_media_type", "send application/json");
  try {
    return { body: await req.json() };
  } catch {
    return error(400, "bad_request", "body is not valid JSON");
  }
}

/** Opens the loopback server; until `show`, it answers 503. */
export function openLocalUi(options: { port: number; hostname?: string }): LocalUi {
  let server: Server<undefined>;
  let pages: LocalPages = () => error(503, "starting", "the node is starting");
  const handle = async (req: Request): Promise<Response> => {
    const refused = foreignRequestReason(req, server.port!);
    if (refused) return error(403, "forbidden", `refused: ${refused}`);
    const { pathname } = new URL(req.url);
    return (await pages(req, pathname)) ?? error(404, "not_found", `no page ${pathname}`);
  };
  server = Bun.serve({ hostname: options.hostname ?? "127.0.0.1", port: options.port, fetch: handle });
  return {
    url: `http://127.0.0.1:${server.port}/`,
    port: server.port!,
    show: (next) => void (pages = next),
    stop: () => void server.stop(true),
  };
}

/** The running node's pages: status, controls, and (with a reader) the credits the gateway counts for it. */
export function controlPages(controls: NodeControls, earnings?: EarningsReader): LocalPages {
  const routes = ["/", "/ui.js", "/ui.css", "/api/status", "/api/settings", "/api/earnings"];
  return async (req, pathname) => {
    switch (`${req.method} ${pathname}`) {
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
      case "GET /api/earnings":
        return earnings ? json(await earnings()) : error(404, "not_found", "this node's UI does not ask the gateway");
    }
    return routes.includes(pathname) ? error(405, "method_not_allowed", `${req.method} is not allowed on ${pathname}`) : null;
  };
}

export function serveLocalUi(controls: NodeControls, options: { port: number; hostname?: string }): LocalUi {
  const ui = openLocalUi(options);
  ui.show(controlPages(controls));
  return ui;
}

async function updateSettings(req: Request, controls: NodeControls): Promise<Response> {
  const read = await jsonBody(req);
  if (read instanceof Response) return read;
  try {
    return json(await controls.update(read.body));
  } catch (err) {
    if (err instanceof InvalidSetting) return error(400, "invalid_field", err.message, { field: err.field, message: err.reason });
    return error(500, "internal", `could not save the settings: ${errorMessage(err)}`);
  }
}
