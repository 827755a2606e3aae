import { Hono } from "hono";
import { notFound, Sha256Hex, WheelFileName, type BlobStore, type MirrorListing } from "@medusa/core";
import { requireAccount, requireNode, type TokenVerifier } from "../http/auth.ts";
import type { HttpEnv } from "../http/types.ts";
import type { PackageMirror } from "../packages/package-mirror.ts";
import { uploadedWheelKey } from "../packages/uploaded-wheels.ts";

/**
 * Python packages. Consumers list what the mirror has; nodes fetch the files
 * a job pinned: mirror files by name, uploaded wheels by hash (which a node
 * learns only from a job it was sent). Mounted at `/v1/packages`.
 */
export function packageRoutes(deps: { blobs: BlobStore; mirror?: PackageMirror; verifier: TokenVerifier }) {
  const node = requireNode({ verifier: deps.verifier });
  const wheelHeaders = (size: number, sha256?: string) => ({
    "content-type": "application/octet-stream",
    "content-length": String(size),
    ...(sha256 ? { etag: `"${sha256}"` } : {}),
  });
  return new Hono<HttpEnv>()
    .get("/", requireAccount({ verifier: deps.verifier }), (c) => c.json<MirrorListing>(deps.mirror?.listing() ?? { pyodide: null, packages: [] }))
    .get("/files/:fileName", node, async (c) => {
      const fileName = c.req.param("fileName");
      const path = WheelFileName.safeParse(fileName).success ? deps.mirror?.filePath(fileName) : null;
      const file = path ? Bun.file(path) : null;
      if (!file || !(await file.exists())) throw notFound(`package file ${fileName}`);
      return new Response(file.stream(), { headers: wheelHeaders(file.size) });
    })
    .get("/wheels/:sha256", node, async (c) => {
      const sha256 = c.req.param("sha256");
      const key = Sha256Hex.safeParse(sha256).success ? uploadedWheelKey(sha256) : null;
      const info = key ? await deps.blobs.stat(key) : null;
      const stream = info && key ? await deps.blobs.get(key) : null;
      if (!info || !stream) throw notFound(`uploaded wheel ${sha256}`);
      return new Response(stream, { headers: wheelHeaders(info.size, info.sha256) });
    });
}
