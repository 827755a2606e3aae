import { accountFileKey, limits, MedusaError, rangeLength, type BlobStore, type JobInput } from "@medusa/core";


/** The session's input as items, in order. */
export async function sessionItems(owner: string, input: JobInput, blobs: BlobStore): Promise<unknown[]> {
  if ("items" in input) return input.items;
  if ("range" in input) {
    const { start, step } = input.range;
    const n = rangeLength(input.range);
    if (n > limits.sessionItems) throw tooMany(n);
    return Array.from({ length: n }, (_, i) => start + i * step);
  }
  const key = accountFileKey(owner, input.file);
  const info = await blobs.stat(key);
  if (!info) throw new MedusaError("not_found", `input file ${input.file} not found`);
  if (info.size > limits.sessionFileBytes) throw new MedusaError("payload_too_large", `input file ${input.file} is over ${limits.sessionFileBytes} bytes: too large for a session`);
  const text = new TextDecoder().decode((await blobs.bytes(key))!);
  const items = parse(text, input.format, input.file);
  if (items.length > limits.sessionItems) throw tooMany(items.length);
  return items;
}

function parse(text: string, format: "lines" | "jsonl" | "json", file: string): unknown[] {
  if (format === "json") {
    const value = tryJson(text, () => `input file ${file} is not valid JSON`);
    if (!Array.isArray(value)) throw new MedusaError("invalid_field", `input file ${file} must hold a JSON array`);
    return value;
  }
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  if (format === "lines") return lines;
  return lines.flatMap((line, i) => (line.trim() === "" ? [] : [tryJson(line, () => `input file ${file}, line ${i + 1}: not valid JSON`)]));
}

function tryJson(text: string, why: () => string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new MedusaError("invalid_field", why());
  }
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
