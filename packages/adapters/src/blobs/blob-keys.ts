import { limits, MedusaError } from "@medusa/core";

/**
 * Blob keys are `/`-separated relative paths. Anything that could name a
 * place outside the store, or mean different files on different systems, is
 * refused here before a path is ever built.
 */

export function blobKeySegments(key: string): string[] {
  if (typeof key !== "string" || key.length === 0) throw badKey(key, "is empty");
  if (key.length > limits.blobKeyChars) throw badKey(key, `is longer than ${limits.blobKeyChars} characters`);
  if (key.includes("\0")) throw badKey(key, "contains a NUL byte");
  if (key.includes("\\")) throw badKey(key, "contains a backslash");
  if (key.startsWith("/")) throw badKey(key, "is absolute");
  const parts = key.split("/");
  for (const part of parts) {
    if (part === "") throw badKey(key, "has an empty segment");
    if (part === "." || part === "..") throw badKey(key, `has a "${part}" segment`);
    if (Buffer.byteLength(part) > limits.pathSegmentBytes) throw badKey(key, `has a segment over ${limits.pathSegmentBytes} bytes`);
  }
  return parts;
}

/** A prefix names a folder: "" is the whole store, "a/b/" (or "a/b") the folder a/b. */
export function blobPrefixSegments(prefix: string): string[] {
  if (prefix === "") return [];
  return blobKeySegments(prefix.endsWith("/") ? prefix.slice(0, -1) : prefix);
}

function badKey(key: string, why: string): MedusaError {
  return new MedusaError("invalid_field", `blob key ${JSON.stringify(String(key).slice(0, 100))} ${why}`, { field: "key" });
}
