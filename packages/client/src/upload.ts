import { ApiError } from "./api-error.ts";
import { operationUrl } from "./operations.ts";

export interface UploadOptions {
  /** Bytes per request; a dropped connection costs at most one piece. */
  pieceBytes?: number;
  /** Called as bytes are sent: (bytes stored so far, total). */
  onProgress?: (sent: number, total: number) => void;
}

const PIECE = 8 * 1024 * 1024;

/**
 * Uploads `file` as a resumable upload (`Content-Range` pieces): it first asks
 * how much of this path the gateway already holds and goes on from there, so
 * running it again after an interruption sends only the rest.
 */
export async function uploadResumable(base: string, auth: string, path: string, file: Blob, opts: UploadOptions = {}): Promise<unknown> {
  const url = operationUrl(base, "uploadFile", { path: { path } });
  const headers = { authorization: `Bearer ${auth}` };
  const total = file.size;
  if (total === 0) return expectOk(await fetch(url, { method: "PUT", headers, body: new Uint8Array(0) }));
  const status = await fetch(url, { method: "PUT", headers: { ...headers, "content-range": `bytes */${total}` } });
  if (status.status === 200) {
    opts.onProgress?.(total, total);
    return status.json();
  }
  let offset = status.status === 308 ? ((await status.json()) as { offset: number }).offset : 0;
  if (status.status !== 308) throw await ApiError.of(status);
  opts.onProgress?.(offset, total);
  const piece = opts.pieceBytes ?? PIECE;
  for (;;) {
    const end = Math.min(offset + piece, total);
    const res = await fetch(url, { method: "PUT", headers: { ...headers, "content-range": `bytes ${offset}-${end - 1}/${total}` }, body: file.slice(offset, end) });
    if (res.status === 201) {
      opts.onProgress?.(total, total);
      return res.json();
    }
    if (res.status !== 308) throw await ApiError.of(res);
    offset = ((await res.json()) as { offset: number }).offset;
    opts.onProgress?.(offset, total);
  }
}

async function expectOk(res: Response): Promise<unknown> {
  if (res.status >= 400) throw await ApiError.of(res);
  return res.json();
}
