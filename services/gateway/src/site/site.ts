import { readdirSync, readFileSync } from "node:fs";
import { extname, join } from "node:path";
import { Hono } from "hono";
import { sha256Hex } from "@medusa/core";
import type { HttpEnv } from "../http/types.ts";
import { shellHtml } from "./shell.ts";

/** Paths the browser may open directly; each gets the shell and the router takes over. */
export const SITE_PATHS = ["/", "/login", "/signup", "/jobs", "/jobs/new", "/jobs/:id", "/sessions", "/sessions/:id", "/files", "/nodes", "/ledger"] as const;

const TYPES: Record<string, string> = {
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
};

/** The site never needs more than this: its own scripts, styles and API, no inline code, no frames. */
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

interface Asset {
  body: Uint8Array;
  type: string;
  etag: string;
}

/**
 * Reads every file under assets/ once, at start: they are small, and serving
 * from memory keeps the first paint fast. No bundler: the browser loads the
 * ES modules as they are. ETags let a returning browser skip the download.
 */
function loadAssets(dir: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const name of readdirSync(dir, { recursive: true, encoding: "utf8" })) {
    const type = TYPES[extname(name)];
    // Tests of the client's logic sit beside it; they are not the site's.
    if (!type || name.endsWith(".test.js")) continue;
    const body = readFileSync(join(dir, name));
    assets.set(name.split("\\").join("/"), { body, type, etag: `"${sha256Hex(body).slice(0, 16)}"` });
  }
  return assets;
}

const securityHeaders = {
  "content-security-policy": CSP,
  "x-content-type-options": "nosniff",
  "referrer-policy": "same-origin",
  "x-frame-options": "DENY",
};

/** The consumer website: the shell on every site path, and its assets. Mounted at `/`. */
export function siteRoutes(options: { assetsDir?: string } = {}) {
  const assets = loadAssets(options.assetsDir ?? join(import.meta.dir, "assets"));
  const shell = shellHtml((name) => `/assets/${name}`);
  const app = new Hono<HttpEnv>();
  for (const path of SITE_PATHS) {
    app.get(path, (c) => c.html(shell, 200, { ...securityHeaders, "cache-control": "no-cache" }));
  }
  app.get("/assets/:name{.+}", (c) => {
    const asset = assets.get(c.req.param("name"));
    if (!asset) return c.text("no such asset", 404);
    const headers = { ...securityHeaders, "content-type": asset.type, etag: asset.etag, "cache-control": "no-cache" };
    if (c.req.header("if-none-match") === asset.etag) return c.body(null, 304, headers);
    return c.body(asset.body as Uint8Array<ArrayBuffer>, 200, headers);
  });
  return app;
}
