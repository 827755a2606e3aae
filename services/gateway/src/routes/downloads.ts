import { Hono, type Context } from "hono";
import { MedusaError } from "@medusa/core";
import { NodeBuilds, NodeBuildsBusy } from "../downloads/node-builds.ts";
import type { HttpEnv } from "../http/types.ts";

const NOT_SERVED = "this gateway serves no node builds (set MEDUSA_DOWNLOADS_DIR to a folder that `npm run build:node -- --all` wrote)";

/**
 * Node executables for volunteers, no account needed: `GET /downloads/<file>`
 * (a build, SHA256SUMS or VERSION) and `GET /v1/downloads`, the list the
 * site's Nodes page shows. While the embedded stack builds its own, both
 * answer 503 with Retry-After. Mounted at `/`.
 */
export function downloadRoutes(builds: NodeBuilds | null) {
  /** Runs `work` on the builds; while one is being made, a 503 whose Retry-After says when to come back. */
  const fromBuilds = async <T>(c: Context<HttpEnv>, work: (b: NodeBuilds) => Promise<T>): Promise<T> => {
    if (!builds) throw new MedusaError("not_found", NOT_SERVED);
    try {
      return await work(builds);
    } catch (err) {
      if (!(err instanceof NodeBuildsBusy)) throw err;
      c.header("retry-after", String(err.retryAfterS));
      throw new MedusaError("unavailable", err.message, { retryAfterS: err.retryAfterS }, { expose: true });
    }
  };

  return new Hono<HttpEnv>()
    .get("/v1/downloads", async (c) => c.json(await fromBuilds(c, (b) => b.list()), 200, { "cache-control": "no-cache" }))
    .get("/downloads/:name", async (c) => {
      const name = c.req.param("name");
      const path = await fromBuilds(c, (b) => b.path(name));
      if (!path) throw new MedusaError("not_found", `no download named ${name}`);
      const file = Bun.file(path);
      const text = name === "SHA256SUMS" || name === "VERSION";
      return new Response(file, {
        headers: {
          "content-type": text ? "text/plain; charset=utf-8" : "application/octet-stream",
          "content-length": String(file.size),
          "cache-control": "no-cache",
          "x-content-type-options": "nosniff",
          ...(text ? {} : { "content-disposition": `attachment; filename="${name}"` }),
        },
      });
    });
}
