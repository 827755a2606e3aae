import { Hono, type Context } from "hono";
import { MedusaError, notFound, type AccountFiles } from "@medusa/core";
import { exactly, parseUploadRange, type UploadRange } from "../files/content-range.ts";
import { requireAccount, type TokenVerifier } from "../http/auth.ts";
import type { HttpEnv } from "../http/types.ts";

// The caller's files, streamed to and from the blob store through
// AccountFiles (the FTP service writes through it too), so no path reaches
// another account's folder. Mounted at `/v1/files`.
//
// A `PUT` without `Content-Range` stores the whole body at once. With one,
// it is a piece of a resumable upload: `308` with `Range: bytes=0-<last>`
// says how far it got (a `Content-Range: bytes */<total>` with no body asks),
// and the piece that brings it to its total answers `201` like a whole-file
// `PUT`. Until then the file is not listed and is no job's input.
export function fileRoutes(deps: { files: AccountFiles; verifier: TokenVerifier }) {
  const { files } = deps;
  return new Hono<HttpEnv>()
    .use(requireAccount({ verifier: deps.verifier }))
    .get("/", async (c) => c.json({ files: await files.list(c.var.account.accountId) }))
    .put("/:path{.+}", async (c) => {
      const owner = c.var.account.accountId;
      const path = c.req.param("path");
      const declared = Number(c.req.header("content-length") ?? NaN);
      const range = c.req.header("content-range");
      if (range !== undefined) return uploadPiece(c, files, owner, path, parseUploadRange(range), declared);
      const body = c.req.raw.body ?? new Uint8Array(0);
      return c.json(await files.write(owner, path, body, Number.isNaN(declared) ? undefined : declared), 201);
    })
    .get("/:path{.+}", async (c) => {
      const owner = c.var.account.accountId;
      const path = c.req.param("path");
      const info = await files.stat(owner, path);
      if (!info) throw notFound(`file ${path}`);
      const headers: Record<string, string> = { "content-type": "application/octet-stream", etag: `"${info.sha256}"`, "accept-ranges": "bytes" };
      // `Range: bytes=<n>-` resumes a download (curl -C -); any other form gets the whole file, as RFC 9110 allows.
      const from = /^bytes=(\d{1,16})-$/.exec(c.req.header("range") ?? "");
      const start = from ? Number(from[1]) : 0;
      if (start > 0 && start >= info.size) {
        return c.body(null, 416, { "content-range": `bytes */${info.size}` });
      }
      const stream = await files.read(owner, path, start);
      if (!stream) throw notFound(`file ${path}`);
      headers["content-length"] = String(info.size - start);
      if (start > 0) headers["content-range"] = `bytes ${start}-${info.size - 1}/${info.size}`;
      return new Response(stream, { status: start > 0 ? 206 : 200, headers });
    })
    .delete("/:path{.+}", async (c) => {
      const path = c.req.param("path");
      if (!(await files.delete(c.var.account.accountId, path))) throw notFound(`file ${path}`);
      return c.body(null, 204);
    });
}

async function uploadPiece(c: Context<HttpEnv>, files: AccountFiles, owner: string, path: string, range: UploadRange, declared: number) {
  if (range.total !== null && range.total > files.maxFileBytes) throw files.tooLarge();
  if (range.kind === "status") {
    const pending = await files.pending(owner, path);
    if (pending) return incomplete(c, path, pending.size, range.total);
    // The last piece may have landed with its answer lost: a finished file of that size says so.
    const done = await files.stat(owner, path);
    if (done && done.size === range.total) return c.json(done, 200);
    return incomplete(c, path, 0, range.total);
  }
  const length = range.end - range.start + 1;
  if (!Number.isNaN(declared) && declared !== length) {
    throw new MedusaError("invalid_field", `content-length: ${declared} does not match the ${length} bytes of content-range`, { issues: [{ field: "content-length", message: "does not match content-range" }] });
  }
  const body = exactly(c.req.raw.body ?? new Response("").body!, length);
  const pending = await files.writePiece(owner, path, body, { offset: range.start }).catch((err: unknown) => {
    if (err instanceof MedusaError && err.code === "conflict") {
      const size = (err.details as { size?: number } | undefined)?.size ?? 0;
      throw new MedusaError("conflict", `this piece starts at byte ${range.start} but the upload has ${size}; resume from ${size}`, { offset: size });
    }
    throw err;
  });
  if (range.total !== null && pending.size === range.total) return c.json(await files.finish(owner, path, range.total), 201);
  return incomplete(c, path, pending.size, range.total);
}

/** `308`: the upload goes on; `Range` names the bytes received (none: no header). */
function incomplete(c: Context<HttpEnv>, path: string, offset: number, total: number | null) {
  if (offset > 0) c.header("range", `bytes=0-${offset - 1}`);
  return c.json({ path, offset, size: total }, 308);
}
