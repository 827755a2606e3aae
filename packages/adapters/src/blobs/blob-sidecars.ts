import { createHash, randomUUID } from "node:crypto";
import { readFile, rename, stat, unlink, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import type { BlobInfo } from "@medusa/core";
import { isMissing } from "./fs-errors.ts";

/**
 * The files a folder blob store keeps beside each blob. A blob's sha256 is
 * computed while it streams in and kept in a sidecar file `.<name>\sha256`
 * next to it. Keys can never contain a backslash, so the sidecar (and the
 * `.<name>\tmp-…` files of writes in progress) can never collide with a blob
 * and are skipped by list(). The sidecar also records the file's inode, size
 * and mtime: if they no longer match (a crash between the two renames,
 * someone editing the folder by hand) the hash is recomputed from the file and
 * the sidecar rewritten, so the file is always the truth.
 */
interface Sidecar {
  sha256: string;
  size: number;
  ino: string;
  mtimeNs: string;
}

export interface FileIdentity {
  size: number;
  ino: bigint;
  mtimeNs: bigint;
}

export const sidecarPath = (file: string) => join(dirname(file), `.${basename(file)}\\sha256`);
/** A fresh temporary file beside the blob `name` in `dir`, renamed into place once written. */
export const tempPath = (dir: string, name: string) => join(dir, `.${name}\\tmp-${randomUUID()}`);
/** A sidecar or temporary file, never a blob. */
export const isInternal = (name: string) => name.includes("\\");

export function identityOf(s: { size: bigint; ino: bigint; mtimeNs: bigint }): FileIdentity {
  return { size: Number(s.size), ino: s.ino, mtimeNs: s.mtimeNs };
}

/** The blob's size and sha256, from its sidecar while that still describes the file, else hashed again; null when the file is gone. */
export async function verifiedInfo(key: string, file: string): Promise<BlobInfo | null> {
  let identity: FileIdentity;
  try {
    identity = identityOf(await stat(file, { bigint: true }));
  } catch (err) {
    if (isMissing(err)) return null;
    throw err;
  }
  const sidecar = await readSidecar(file);
  if (sidecar && sidecar.size === identity.size && sidecar.ino === String(identity.ino) && sidecar.mtimeNs === String(identity.mtimeNs)) {
    return { key, size: identity.size, sha256: sidecar.sha256 };
  }
  const sha256 = await hashFile(file);
  await writeSidecar(file, sha256, identity);
  return { key, size: identity.size, sha256 };
}

/** Best effort: a missing or stale sidecar only costs a recomputation later. */
export async function writeSidecar(file: string, sha256: string, identity: FileIdentity): Promise<void> {
  const sidecar: Sidecar = { sha256, size: identity.size, ino: String(identity.ino), mtimeNs: String(identity.mtimeNs) };
  const temp = tempPath(dirname(file), basename(file));
  try {
    await writeFile(temp, JSON.stringify(sidecar), { flag: "wx" });
    await rename(temp, sidecarPath(file));
  } catch {
    await unlink(temp).catch(() => {});
  }
}

export async function hashFile(file: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of Bun.file(file).stream()) hash.update(chunk);
  return hash.digest("hex");
}

async function readSidecar(file: string): Promise<Sidecar | null> {
  try {
    const parsed = JSON.parse(await readFile(sidecarPath(file), "utf8")) as Partial<Sidecar>;
    return typeof parsed.sha256 === "string" && typeof parsed.size === "number" && typeof parsed.ino === "string" && typeof parsed.mtimeNs === "string"
      ? (parsed as Sidecar)
      : null;
  } catch {
    return null;
  }
}
