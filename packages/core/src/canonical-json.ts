import { MedusaError } from "./errors.ts";
import { sha256Hex } from "./ids.ts";
import { limits } from "./limits.ts";
import { textNestsDeeper, tooDeepMessage, tooLargeResultMessage } from "./json-bounds.ts";

/**
 * One text per JSON value, so results from different nodes compare equal
 * exactly when they mean the same: object keys sorted by code unit, no
 * whitespace, numbers and strings as JSON.stringify writes them (the shortest
 * text that reads back as the same double, as RFC 8785 asks). Object key
 * order is the only freedom a node's JSON encoder has that this removes.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") {
    const text = JSON.stringify(value);
    // undefined, functions and symbols have no JSON form; a parsed value never holds them.
    if (text === undefined) throw new TypeError(`not a JSON value: ${String(value)}`);
    return text;
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(",")}}`;
}

/** A result as the chunk store keeps it: canonical text and its SHA-256, the identity replicas vote with. */
export interface CanonicalResult {
  text: string;
  hash: string;
}

/**
 * Parses a node's JSON result text into its canonical form; throws on text
 * that is not JSON, and a MedusaError naming the limit on text too large or
 * too deep (checked first: canonicalJson recurses once per level).
 */
export function canonicalResult(jsonText: string): CanonicalResult {
  const bytes = Buffer.byteLength(jsonText);
  if (bytes > limits.resultBytes) throw new MedusaError("payload_too_large", tooLargeResultMessage(bytes));
  if (textNestsDeeper(jsonText)) throw new MedusaError("invalid_field", tooDeepMessage("result"));
  const text = canonicalJson(JSON.parse(jsonText));
  return { text, hash: sha256Hex(text) };
}
