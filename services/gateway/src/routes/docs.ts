import { dirname, join } from "node:path";
import { Hono } from "hono";
import { apiOperations } from "@medusa/core";
import type { HttpEnv } from "../http/types.ts";
import { openApiDocument } from "../openapi/document.ts";

/** Swagger UI's files, from the npm package, served by the gateway itself: the page loads nothing from elsewhere. */
const SWAGGER_DIR = dirname(Bun.resolveSync("swagger-ui-dist/package.json", import.meta.dir));
const ASSETS: Record<string, string> = {
  "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
  "swagger-ui.css": "text/css; charset=utf-8",
};

// Swagger UI sets style attributes as it renders; everything else is this origin's.
const CSP = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; frame-ancestors 'none'";

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Medusa API v1</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css">
</head>
<body>
<div id="docs"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/assets/init.js"></script>
</body>
</html>
`;

const INIT = `window.ui = SwaggerUIBundle({ url: "/v1/openapi.json", dom_id: "#docs", deepLinking: true, tryItOutEnabled: false });\n`;

/** `GET /v1/openapi.json`, built once from the operation tables, and `/docs`, the page rendering it. Mounted at `/`. */
export function docsRoutes() {
  const document = JSON.stringify(openApiDocument(apiOperations, { version: "1" }));
  const headers = { "content-security-policy": CSP, "x-content-type-options": "nosniff" };
  return new Hono<HttpEnv>()
    .get("/v1/openapi.json", (c) => c.body(document, 200, { "content-type": "application/json", "cache-control": "no-cache" }))
    .get("/docs", (c) => c.html(PAGE, 200, { ...headers, "cache-control": "no-cache" }))
    .get("/docs/assets/:name", (c) => {
      const name = c.req.param("name");
      if (name === "init.js") return c.body(INIT, 200, { ...headers, "content-type": "text/javascript; charset=utf-8" });
      const type = ASSETS[name];
      if (!type) return c.text("no such asset", 404);
      return new Response(Bun.file(join(SWAGGER_DIR, name)), { headers: { ...headers, "content-type": type, "cache-control": "public, max-age=86400" } });
    });
}
