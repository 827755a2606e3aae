import { MedusaError } from "./errors.ts";

/** Where an account's files live in the blob store: REST, FTP and job inputs all read and write here. */
export const filesPrefix = (owner: string) => `accounts/${owner}/files/`;

/** Where an account's uploaded file lives; a path that could climb out of the account's folder is refused. */
export function accountFileKey(owner: string, path: string): string {
  const segments = path.split("/");
  if (path.includes("\\") || path.includes("\0") || segments.some((s) => s === "" || s === "." || s === "..")) {
    throw new MedusaError("invalid_field", `input file ${path} is not a valid path`);
  }
  return filesPrefix(owner) + path;
}
