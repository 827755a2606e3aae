import { createHash } from "node:crypto";
import { mkdir, open, readdir, realpath, rename, rm, stat, unlink } from "node:fs/promises";
import { join, sep } from "node:path";
import { MedusaError, type BlobInfo, type FileBlobStore } from "@medusa/core";
import { blobKeySegments, blobPrefixSegments } from "./blob-keys.ts";
import { hashFile, identityOf, isInternal, sidecarPath, tempPath, verifiedInfo, writeSidecar, type FileIdentity } from "./blob-sidecars.ts";
import { fsError, isMissing, realpathOrNull } from "./fs-errors.ts";
import { FolderUploads } from "./folder-uploads.ts";
import { chunksOf } from "./body-chunks.ts";

/**
 * Blobs as files under one folder; a key is the file's path relative to it.
 * A put streams into a temporary file and renames it into place, so a reader
 * never sees half a blob; each blob's sha256 lives in a sidecar beside it
 * (blob-sidecars.ts). No key, symlink or folder can lead outside the root.
 */
export class FolderBlobStore implements FileBlobStore {
  private realRoot: Promise<string> | undefined;
  /** Uploads arriving in pieces (folder-uploads.ts), committed into this store. */
  readonly uploads = new FolderUploads({ rootPath: () => this.rootPath(), adopt: (key, file) => this.adopt(key, file), get: (key) => this.get(key) });

  constructor(private readonly root: string) {}

  async put(key: string, body: ReadableStream<Uint8Array> | Uint8Array | string, opts: { maxBytes?: number } = {}): Promise<BlobInfo> {
    const parts = blobKeySegments(key);
    const dir = await this.writableDir(key, parts.slice(0, -1));
    const target = join(dir, parts.at(-1)!);
    const temp = tempPath(dir, parts.at(-1)!);
    const hash = createHash("sha256");
    let size = 0;
    let identity: FileIdentity;
    const file = await open(temp, "wx");
    try {
      try {
        for await (const chunk of chunksOf(body)) {
          size += chunk.byteLength;
          if (opts.maxBytes !== undefined && size > opts.maxBytes) {
            throw new MedusaError("payload_too_large", `blob ${key} is larger than ${opts.maxBytes} bytes`);
          }
          hash.update(chunk);
          await writeAll(file, chunk);
        }
        identity = identityOf(await file.stat({ bigint: true }));
      } finally {
        await file.close();
      }
      await rename(temp, target).catch((err) => {
        throw fsError(err, key);
      });
    } catch (err) {
      await unlink(temp).catch(() => {});
      throw err;
    }
    const info = { key, size, sha256: hash.digest("hex") };
    await writeSidecar(target, info.sha256, identity);
    return info;
  }

  async get(key: string): Promise<ReadableStream<Uint8Array> | null> {
    const file = await this.existing(key);
    return file ? Bun.file(file).stream() : null;
  }

  async bytes(key: string): Promise<Uint8Array | null> {
    const file = await this.existing(key);
    if (!file) return null;
    try {
      return await Bun.file(file).bytes();
    } catch (err) {
      if (isMissing(err)) return null;
      throw err;
    }
  }

  async stat(key: string): Promise<BlobInfo | null> {
    const file = await this.existing(key);
    return file ? verifiedInfo(key, file) : null;
  }

  async list(prefix: string): Promise<BlobInfo[]> {
    const found = await this.walkPrefix(prefix);
    const infos: BlobInfo[] = [];
    // One at a time: a big folder must not open thousands of files at once.
    for (const { key, file } of found) {
      const info = await verifiedInfo(key, file);
      if (info) infos.push(info);
    }
    return infos;
  }

  async delete(key: string): Promise<boolean> {
    const file = await this.existing(key);
    if (!file) return false;
    await rm(sidecarPath(file), { force: true });
    try {
      await unlink(file);
      return true;
    } catch (err) {
      if (isMissing(err)) return false;
      throw err;
    }
  }

  async deletePrefix(prefix: string): Promise<number> {
    const parts = blobPrefixSegments(prefix);
    const found = await this.walkPrefix(prefix);
    if (parts.length > 0) {
      const dir = await this.existingDir(prefix, parts);
      if (dir) await rm(dir, { recursive: true, force: true });
    } else {
      const root = await this.rootPath();
      for (const name of await readdir(root)) await rm(join(root, name), { recursive: true, force: true });
    }
    return found.length;
  }

  async getFrom(key: string, start: number): Promise<ReadableStream<Uint8Array> | null> {
    const file = await this.existing(key);
    return file ? Bun.file(file).slice(start).stream() : null;
  }

  async modifiedAt(key: string): Promise<number | null> {
    const file = await this.existing(key);
    const s = file && (await stat(file).catch(() => null));
    return s ? Math.floor(s.mtimeMs) : null;
  }

  async move(from: string, to: string): Promise<boolean> {
    const parts = blobKeySegments(to);
    const source = await this.existing(from);
    if (!source) return false;
    const target = join(await this.writableDir(to, parts.slice(0, -1)), parts.at(-1)!);
    if (target === source) return true;
    await rm(sidecarPath(target), { force: true });
    await rename(source, target).catch((err) => {
      throw fsError(err, to);
    });
    // A rename keeps the inode, size and mtime, so the sidecar stays valid where it lands.
    await rename(sidecarPath(source), sidecarPath(target)).catch(() => {});
    return true;
  }

  /** Moves a finished file (a staged upload on the same filesystem) into place as `key`, hashing it once. */
  private async adopt(key: string, file: string): Promise<BlobInfo> {
    const parts = blobKeySegments(key);
    const target = join(await this.writableDir(key, parts.slice(0, -1)), parts.at(-1)!);
    const sha256 = await hashFile(file);
    const identity = identityOf(await stat(file, { bigint: true }));
    await rm(sidecarPath(target), { force: true });
    await rename(file, target).catch((err) => {
      throw fsError(err, key);
    });
    await writeSidecar(target, sha256, identity);
    return { key, size: identity.size, sha256 };
  }

  private rootPath(): Promise<string> {
    this.realRoot ??= mkdir(this.root, { recursive: true }).then(() => realpath(this.root));
    return this.realRoot;
  }

  /** Throws unless `real` (already symlink-free) lies inside the root. */
  private async mustBeInside(key: string, real: string): Promise<void> {
    const root = await this.rootPath();
    if (real !== root && !real.startsWith(root + sep)) throw new MedusaError("invalid_field", `blob key ${key} points outside the store`);
  }

  /** The blob's real path, or null when it does not exist or is not a file. */
  private async existing(key: string): Promise<string | null> {
    const parts = blobKeySegments(key);
    const real = await realpathOrNull(join(await this.rootPath(), ...parts));
    if (!real) return null;
    await this.mustBeInside(key, real);
    const s = await stat(real).catch(() => null);
    return s?.isFile() ? real : null;
  }

  private async existingDir(prefix: string, parts: string[]): Promise<string | null> {
    const real = await realpathOrNull(join(await this.rootPath(), ...parts));
    if (!real) return null;
    await this.mustBeInside(prefix, real);
    const s = await stat(real).catch(() => null);
    return s?.isDirectory() ? real : null;
  }

  /**
   * Creates the blob's folder, making sure no symlink leads it out of the
   * root: mkdir follows symlinks in the part that already exists, so that part
   * is checked before creating anything, and the result after.
   */
  private async writableDir(key: string, parts: string[]): Promise<string> {
    const root = await this.rootPath();
    for (let n = parts.length; n > 0; n--) {
      const real = await realpathOrNull(join(root, ...parts.slice(0, n)));
      if (real) {
        await this.mustBeInside(key, real);
        break;
      }
    }
    const dir = join(root, ...parts);
    await mkdir(dir, { recursive: true }).catch((err) => {
      throw fsError(err, key);
    });
    const real = await realpath(dir);
    await this.mustBeInside(key, real);
    return real;
  }

  /** Every blob file under the prefix, sorted by key; symlinks are not followed. */
  private async walkPrefix(prefix: string): Promise<{ key: string; file: string }[]> {
    const parts = blobPrefixSegments(prefix);
    const dir = parts.length > 0 ? await this.existingDir(prefix, parts) : await this.rootPath();
    if (!dir) return [];
    const found: { key: string; file: string }[] = [];
    const walk = async (folder: string, keyPrefix: string) => {
      let entries;
      try {
        entries = await readdir(folder, { withFileTypes: true });
      } catch (err) {
        if (isMissing(err)) return; // deleted while we walked
        throw err;
      }
      for (const entry of entries) {
        if (isInternal(entry.name)) continue;
        const path = join(folder, entry.name);
        if (entry.isDirectory()) await walk(path, `${keyPrefix}${entry.name}/`);
        else if (entry.isFile()) found.push({ key: keyPrefix + entry.name, file: path });
      }
    };
    await walk(dir, parts.length > 0 ? `${parts.join("/")}/` : "");
    return found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }
}

async function writeAll(file: import("node:fs/promises").FileHandle, chunk: Uint8Array): Promise<void> {
  for (let offset = 0; offset < chunk.byteLength; ) {
    const { bytesWritten } = await file.write(chunk, offset, chunk.byteLength - offset);
    offset += bytesWritten;
  }
}
