import { MedusaError } from "./errors.ts";

/** Where an account's uploaded file lives; a path that could climb out of the account's folder is refused. */
export function accountFileKey(owner: string, path: string): string {
  const segments = path.split("/");
  if (path.includes("\\") || path.includes("\0") || segments.some((s) => s === "" || s === "." || s === "..")) {
    throw new MedusaError("invalid_field", `input file ${path} is not a valid path`);
  }
  return `accounts/${owner}/files/${path}`;
}
