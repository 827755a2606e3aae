import {
  accountFileKey,
  inputItems,
  isBinaryInput,
  limits,
  MedusaError,
  measureInput,
  type BlobStore,
  type JobInput,
} from "@medusa/core";

/**
 * The session's input as items, in order, read by the input module exactly
 * as a job's would be, and held whole: a session keeps its input in memory
 * to send again when a partition moves, so it is capped. Binary items (a
 * folder of files, binary records) are refused: a session's items travel
 * inline in `session_open` and again on every move, where a job's binary
 * items are fetched by the node holding the chunk's lease, which a
 * session's partitions have no equivalent of.
 */
export async function sessionItems(owner: string, input: JobInput, blobs: BlobStore): Promise<unknown[]> {
  if (isBinaryInput(input)) {
    const field = "files" in input ? "input.files" : "input.format";
    const message = "a session takes no binary items (files or binary records); run them as a job, or read them in a job's map";
    throw new MedusaError("invalid_field", `${field}: ${message}`, { issues: [{ field, message }] });
  }
  const from = { owner, blobs };
  const size = await measureInput(input, from);
  if (size.exact && size.items > limits.sessionItems) throw tooMany(size.items);
  if ("file" in input) {
    const info = await blobs.stat(accountFileKey(owner, input.file));
    if (info && info.size > limits.sessionFileBytes) throw new MedusaError("payload_too_large", `input file ${input.file} is over ${limits.sessionFileBytes} bytes: too large for a session`);
  }
  const items: unknown[] = [];
  let count = 0;
  try {
    // Past the cap the items are only counted, so the error can say how many there were.
    for await (const item of inputItems(input, from)) if (++count <= limits.sessionItems) items.push(item);
  } catch (err) {
    if ("file" in input && err instanceof MedusaError && err.code === "bad_request") throw new MedusaError("invalid_field", `input file ${input.file}: ${err.message}`);
    throw err;
  }
  if (count > limits.sessionItems) throw tooMany(count);
  return items;
}

const tooMany = (n: number) => new MedusaError("payload_too_large", `a session holds at most ${limits.sessionItems} items; this input has ${n}`);

/** Contiguous, near-equal partitions: the first `items % n` get one more. */
export function partition<T>(items: T[], n: number): T[][] {
  const size = Math.floor(items.length / n);
  const extra = items.length % n;
  const parts: T[][] = [];
  let at = 0;
  for (let p = 0; p < n; p++) {
    const len = size + (p < extra ? 1 : 0);
    parts.push(items.slice(at, at + len));
    at += len;
  }
  return parts;
}
