import { realpath } from "node:fs/promises";
import { MedusaError } from "@medusa/core";

/** What the folder blob store makes of the file system's errors. */
export const isMissing = (err: unknown) => ["ENOENT", "ENOTDIR"].includes((err as { code?: string }).code ?? "");

export async function realpathOrNull(path: string): Promise<string | null> {
  try {
    return await realpath(path);
  } catch (err) {
    if (isMissing(err)) return null;
    throw err;
  }
}

/** A key whose folder is a blob, or whose name is a folder, conflicts with what is there. */
export function fsError(err: unknown, key: string): unknown {
  const code = (err as { code?: string }).code;
  if (code === "ENOTDIR" || code === "EEXIST" || code === "EISDIR") return new MedusaError("conflict", `blob key ${key} conflicts with an existing blob or folder`);
  return err;
}
