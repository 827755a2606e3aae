import { createHash } from "node:crypto";
import { lstat, mkdir, open, readdir, readFile, stat, truncate, unlink, writeFile, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import { MedusaError, type BlobInfo, type BlobUploads, type StagedUpload, type StageOptions } from "@medusa/core";
import { blobKeySegments, blobPrefixSegments } from "./blob-keys.ts";
import { KeyedLock } from "./keyed-lock.ts";

/** What staged uploads need from the folder store they commit into. */
export interface UploadTarget {
  /** The store's real root folder (created if missing). */
  rootPath(): Promise<string>;
  /** Moves a finished file on the same filesystem into place as `key`. */
  adopt(key: string, file: string): Promise<BlobInfo>;
  get(key: string): Promise<ReadableStream<Uint8Array> | null>;
}

/**
 * Staged uploads of a FolderBlobStore, in one flat folder inside the store's
 * root (`.uploads\staged/`: its name holds a backslash, which no key can, so
 * `list` never shows it). Each upload is `<sha256 of key>.part` with the key
 * beside it in `<sha256 of key>.key`: hashed names cannot climb anywhere,
 * whatever the key. Committing renames the part into place.
 */
export class FolderUploads implements BlobUploads {
  private readonly locks = new KeyedLock();
  private folder: Promise<string> | undefined;

  constructor(private readonly store: UploadTarget) {}

  async staged(key: string): Promise<StagedUpload | null> {
    blobKeySegments(key);
    return this.describe(key, await this.partOf(key));
  }

  async stagedUnder(prefix: string): Promise<StagedUpload[]> {
    blobPrefixSegments(prefix);
    const folder = await this.stagingFolder();
    const found: StagedUpload[] = [];
    for (const name of await readdir(folder)) {
      if (!name.endsWith(".key")) continue;
      const key = await readFile(join(folder, name), "utf8").catch(() => null);
      if (key === null || !key.startsWith(prefix)) continue;
      const upload = await this.describe(key, join(folder, name.replace(/\.key$/, ".part")));
      if (upload) found.push(upload);
    }
    return found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async stage(key: string, body: ReadableStream<Uint8Array>, opts: StageOptions): Promise<StagedUpload> {
    blobKeySegments(key);
    if (!Number.isSafeInteger(opts.offset) || opts.offset < 0) throw new MedusaError("invalid_field", `offset must be a whole number of bytes, got ${opts.offset}`, { field: "offset" });
    const { release, signal } = await this.locks.acquire(key, { preempt: true });
    try {
      const part = await this.partOf(key);
      const { offset } = opts;
      const current = await sizeOrNull(part);
      if (current === null) {
        if (offset > 0 && !opts.seedFromBlob) throw pastEnd(offset, 0);
        await writeFile(part.replace(/\.part$/, ".key"), key);
        await writeFile(part, new Uint8Array(0));
        if (offset > 0) await this.seed(key, part, offset);
      } else {
        if (offset > current) throw pastEnd(offset, current);
        if (offset < current) await truncate(part, offset);
      }
      const file = await open(part, "r+");
      try {
        await writeFrom(file, body, offset, opts.maxBytes, signal);
      } finally {
        await file.close();
      }
      return (await this.describe(key, part))!;
    } finally {
      release();
    }
  }

  async commit(key: string, opts: { size?: number } = {}): Promise<BlobInfo> {
    blobKeySegments(key);
    const { release } = await this.locks.acquire(key, { preempt: false });
    try {
      const part = await this.partOf(key);
      const size = await sizeOrNull(part);
      if (size === null) throw new MedusaError("not_found", "no upload in progress for this file");
      if (opts.size !== undefined && size !== opts.size) {
        throw new MedusaError("conflict", `${size} of ${opts.size} bytes have arrived`, { size, expected: opts.size });
      }
      const info = await this.store.adopt(key, part);
      await unlink(part.replace(/\.part$/, ".key")).catch(() => {});
      return info;
    } finally {
      release();
    }
  }

  async discard(key: string): Promise<boolean> {
    blobKeySegments(key);
    const { release } = await this.locks.acquire(key, { preempt: true });
    try {
      const part = await this.partOf(key);
      const existed = (await sizeOrNull(part)) !== null;
      await unlink(part).catch(() => {});
      await unlink(part.replace(/\.part$/, ".key")).catch(() => {});
      return existed;
    } finally {
      release();
    }
  }

  /** Starts a staged upload from the committed blob's first `offset` bytes. */
  private async seed(key: string, part: string, offset: number): Promise<void> {
    const source = await this.store.get(key);
    if (!source) throw pastEnd(offset, 0);
    const file = await open(part, "r+");
    let copied = 0;
    try {
      for await (const chunk of source) {
        const take = chunk.subarray(0, Math.min(chunk.byteLength, offset - copied));
        await writeAll(file, take, copied);
        copied += take.byteLength;
        if (copied === offset) break;
      }
    } finally {
      await file.close();
    }
    if (copied < offset) {
      await unlink(part).catch(() => {});
      throw pastEnd(offset, copied);
    }
  }

  private async describe(key: string, part: string): Promise<StagedUpload | null> {
    const s = await stat(part).catch(() => null);
    return s?.isFile() ? { key, size: s.size, modifiedAt: Math.floor(s.mtimeMs) } : null;
  }

  private async partOf(key: string): Promise<string> {
    return join(await this.stagingFolder(), `${createHash("sha256").update(key).digest("hex")}.part`);
  }

  /** Created on first use; refused if something put a symlink (or a file) in its place. */
  private stagingFolder(): Promise<string> {
    this.folder ??= (async () => {
      const folder = join(await this.store.rootPath(), ".uploads\\staged");
      await mkdir(folder, { recursive: true });
      if (!(await lstat(folder)).isDirectory()) throw new Error(`${folder} is not a folder`);
      return folder;
    })();
    this.folder.catch(() => (this.folder = undefined));
    return this.folder;
  }
}

const pastEnd = (offset: number, size: number) =>
  new MedusaError("conflict", `offset ${offset} is past the ${size} bytes received so far`, { size });

/**
 * Writes the stream at `position` on, chunk by chunk. Stops between chunks
 * when `signal` fires (a newer piece of the same upload took over); what was
 * written stays written either way.
 */
async function writeFrom(file: FileHandle, body: ReadableStream<Uint8Array>, position: number, maxBytes: number | undefined, signal: AbortSignal): Promise<void> {
  const reader = body.getReader();
  // A dropped connection may never deliver another chunk: cancelling wakes the pending read.
  const onAbort = () => void reader.cancel().catch(() => {});
  signal.addEventListener("abort", onAbort, { once: true });
  let finished = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (signal.aborted) throw new MedusaError("conflict", "a newer piece of this upload took over");
      if (done) {
        finished = true;
        return;
      }
      if (maxBytes !== undefined && position + value.byteLength > maxBytes) {
        throw new MedusaError("payload_too_large", `upload is larger than ${maxBytes} bytes`, { maxBytes });
      }
      await writeAll(file, value, position);
      position += value.byteLength;
    }
  } finally {
    signal.removeEventListener("abort", onAbort);
    if (!finished) await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}

async function writeAll(file: FileHandle, chunk: Uint8Array, position: number): Promise<void> {
  for (let done = 0; done < chunk.byteLength; ) {
    const { bytesWritten } = await file.write(chunk, done, chunk.byteLength - done, position + done);
    done += bytesWritten;
  }
}

async function sizeOrNull(path: string): Promise<number | null> {
  const s = await stat(path).catch(() => null);
  return s?.isFile() ? s.size : null;
}
