import { MedusaError } from "../errors.ts";
import { limits } from "../limits.ts";

/**
 * An account's files live under `accounts/<accountId>/files/` in the blob
 * store (the FTP service uses the same folder). A path is relative, `/`
 * separated, and can never climb out of that folder. The gateway checks a
 * path where it arrives (naming the field); every service that turns one into
 * a key checks it again here.
 */
export const filesPrefix = (accountId: string) => `accounts/${accountId}/files/`;

const encoder = new TextEncoder();

/** Why `path` is not a valid file path, or null when it is. */
export function filePathProblem(path: string): string | null {
  if (path.length === 0) return "is empty";
  if (path.length > limits.filePathChars) return `is over ${limits.filePathChars} characters`;
  if (path.includes("\0")) return "contains a NUL character";
  if (path.includes("\\")) return "contains a backslash; use / between folders";
  if (path.startsWith("/")) return "must be relative, not start with /";
  for (const segment of path.split("/")) {
    if (segment === "") return "has an empty segment (// or a trailing /)";
    if (segment === "." || segment === "..") return `has a '${segment}' segment`;
    if (encoder.encode(segment).length > limits.pathSegmentBytes) return `has a name over ${limits.pathSegmentBytes} bytes`;
  }
  return null;
}

/** Returns `path` when valid; otherwise throws invalid_field naming `field`. */
export function checkFilePath(path: string, field = "path"): string {
  const problem = filePathProblem(path);
  if (problem) {
    const message = `${field}: ${problem}`;
    throw new MedusaError("invalid_field", message, { issues: [{ field, message: problem }] });
  }
  return path;
}

/** Where an account's file lives; a path that could climb out of the account's folder is refused. */
export function accountFileKey(owner: string, path: string): string {
  if (filePathProblem(path) !== null) throw new MedusaError("invalid_field", `input file ${path} is not a valid path`);
  return filesPrefix(owner) + path;
}
