import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FolderBlobStore } from "@medusa/adapters/blobs/folder-blobs";

/** A real folder blob store in a fresh temp folder, for tests of code that reads or writes blobs; `remove()` deletes it. */
export function scratchBlobs(name: string): { blobs: FolderBlobStore; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), `${name}-`));
  return { blobs: new FolderBlobStore(dir), remove: () => rmSync(dir, { recursive: true, force: true }) };
}
