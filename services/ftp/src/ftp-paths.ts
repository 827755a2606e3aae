import { filePathProblem } from "@medusa/core";

/**
 * What an FTP client names (relative to its current folder, or from `/`,
 * the top of the account's files) as a path inside the account's files: ""
 * is the top folder itself. `.` and `..` inside the tree are resolved; a
 * `..` that would climb above the top, NUL bytes, backslashes and names the
 * REST API would refuse are refused here, before any store is asked.
 */
export class FtpPathError extends Error {
  override name = "FtpPathError";
}

/** The account's storage quota is full: answered 552 (RFC 959's "exceeded storage allocation"), not 550. */
export class FtpStorageFull extends FtpPathError {
  override name = "FtpStorageFull";
}

/** Whether `err` (thrown before or during an upload) means the account's quota is full. */
export const isStorageFull = (err: unknown) => err instanceof FtpStorageFull || (err as { code?: unknown } | null)?.code === "insufficient_storage";

export function resolveFtpPath(cwd: string, arg: string | null | undefined): string {
  const input = arg ?? "";
  const shown = JSON.stringify(input.length > 80 ? `${input.slice(0, 80)}…` : input);
  if (input.includes("\0")) throw new FtpPathError(`${shown} contains a NUL byte`);
  if (input.includes("\\")) throw new FtpPathError(`${shown} contains a backslash; use / between folders`);
  const segments = input.startsWith("/") || cwd === "" ? [] : cwd.split("/");
  for (const part of input.split("/")) {
    if (part === "" || part === ".") continue;
    if (part !== "..") segments.push(part);
    else if (segments.pop() === undefined) throw new FtpPathError(`${shown} climbs above your top folder`);
  }
  const path = segments.join("/");
  const problem = path === "" ? null : filePathProblem(path);
  if (problem) throw new FtpPathError(`${shown} ${problem}`);
  return path;
}

/** How the client sees a path: from `/`. */
export const clientPath = (path: string) => `/${path}`;
