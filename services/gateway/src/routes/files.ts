import { Hono } from "hono";
import { accountFileKey, checkFilePath, filesPrefix, MedusaError, notFound, type BlobStore } from "@medusa/core";
import { requireAccount, type TokenVerifier } from "../http/auth.ts";
import type { GatewayEnv } from "../http/types.ts";

/**
 * The caller's files, streamed to and from the blob store. Every key is
 * built from the authenticated account id, so no path reaches another
 * account's folder. Mounted at `/v1/files`.
 */
export function fileRoutes(deps: { blobs: BlobStore; verifier: TokenVerifier; maxFileBytes: number }) {
  return new Hono<GatewayEnv>()
    .use(requireAccount({ verifier: deps.verifier }))
    .get("/", async (c) => {
      const prefix = filesPrefix(c.var.account.accountId);
      const blobs = await deps.blobs.list(prefix);
      return c.json({ files: blobs.map((b) => ({ path: b.key.slice(prefix.length), size: b.size, sha256: b.sha256 })) });
    })
    .put("/:path{.+}", async (c) => {
      const path = checkFilePath(c.req.param("path"));
      const declared = Number(c.req.header("content-length") ?? NaN);
      if (declared > deps.maxFileBytes) throw new MedusaError("payload_too_large", `file is over ${deps.maxFileBytes} bytes`, { maxBytes: deps.maxFileBytes });
      const info = await deps.blobs.put(accountFileKey(c.var.account.accountId, path), c.req.raw.body ?? new Uint8Array(0), { maxBytes: deps.maxFileBytes });
      return c.json({ path, size: info.size, sha256: info.sha256 }, 201);
    })
    .get("/:path{.+}", async (c) => {
      const path = checkFilePath(c.req.param("path"));
      const key = accountFileKey(c.var.account.accountId, path);
      const info = await deps.blobs.stat(key);
      const stream = info && (await deps.blobs.get(key));
      if (!info || !stream) throw notFound(`file ${path}`);
      return new Response(stream, {
        headers: { "content-type": "application/octet-stream", "content-length": String(info.size), etag: `"${info.sha256}"` },
      });
    })
    .delete("/:path{.+}", async (c) => {
      const path = checkFilePath(c.req.param("path"));
      if (!(await deps.blobs.delete(accountFileKey(c.var.account.accountId, path)))) throw notFound(`file ${path}`);
      return c.body(null, 204);
    });
}
