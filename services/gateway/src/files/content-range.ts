import { MedusaError } from "@medusa/core";

// `Content-Range` on a `PUT /v1/files/{path}`: one piece of a resumable
// upload (`bytes 0-1048575/2000000000`, or `.../*` while the total is not
// known yet), or a question about how far the upload got (`bytes */2000000000`).
export type UploadRange = { kind: "piece"; start: number; end: number; total: number | null } | { kind: "status"; total: number | null };

const PIECE = /^bytes (\d{1,16})-(\d{1,16})\/(\d{1,16}|\*)$/;
const STATUS = /^bytes \*\/(\d{1,16}|\*)$/;

export function parseUploadRange(header: string): UploadRange {
  const value = header.trim();
  const status = STATUS.exec(value);
  if (status) return { kind: "status", total: total(status[1]!) };
  const piece = PIECE.exec(value);
  if (!piece) throw bad(`expected "bytes <first>-<last>/<total>" or "bytes */<total>", got ${JSON.stringify(value.slice(0, 100))}`);
  const start = Number(piece[1]);
  const end = Number(piece[2]);
  const all = total(piece[3]!);
  if (end < start) throw bad(`the last byte ${end} comes before the first ${start}`);
  if (all !== null && end >= all) throw bad(`the last byte ${end} is past the total of ${all} bytes`);
  return { kind: "piece", start, end, total: all };
}

const total = (s: string) => (s === "*" ? null : Number(s));

function bad(message: string): MedusaError {
  return new MedusaError("invalid_field", `content-range: ${message}`, { issues: [{ field: "content-range", message }] });
}

/** Passes `body` through, failing it once more than `length` bytes arrive (a piece is exactly its range). */
export function exactly(body: ReadableStream<Uint8Array>, length: number): ReadableStream<Uint8Array> {
  let seen = 0;
  return body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        seen += chunk.byteLength;
        if (seen > length) throw bad(`the body is longer than the ${length} bytes its range names`);
        controller.enqueue(chunk);
      },
    }),
  );
}
