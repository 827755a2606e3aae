import { MedusaError } from "./errors.ts";
import { limits } from "./limits.ts";

/**
 * The rules for a path inside an account's files, shared by the REST file
 * API, the FTP service and job inputs: relative, `/` separated, and never able
 * to climb out of the account's folder.
 */

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
    if (Buffer.byteLength(segment) > limits.pathSegmentBytes) return `has a name over ${limits.pathSegmentBytes} bytes`;
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
