import type { StorageUse } from "./api.ts";
import { MedusaError } from "./errors.ts";
import { accountFileKey, checkFilePath, filesPrefix } from "./input/account-files.ts";
import { limits } from "./limits.ts";
import type { FileBlobStore, StagedUpload } from "./ports/blob-uploads.ts";

export interface AccountFile {
  path: string;
  size: number;
  sha256: string;
}

/** An upload that has not finished: invisible to `list`, `stat` and jobs. */
export interface PendingFile {
  path: string;
  size: number;
  modifiedAt: number;
}

/** Where every account's folder is (see filesPrefix). */
const ACCOUNTS_PREFIX = "accounts/";


/**
 * An account's files, as both the REST file API and the FTP service see
 * them: every path is checked here, every key is built from the owner here,
 * and every byte an account stores is written through here, so limits on
 * what an account may keep hold the same everywhere: the size cap on one
 * file, and the quota on all of them, unfinished uploads included.
 *
 * The quota is checked against what the blob store holds when a write
 * starts and enforced as its bytes arrive; uploads running at once to one
 * account each see the room left when they started, so together they can
 * pass it by what they send at the same time.
 */
export class AccountFiles {
  constructor(
    private readonly blobs: FileBlobStore,
    readonly maxFileBytes: number,
    readonly quotaBytes: number = limits.storageQuotaBytes,
  ) {
    if (!(maxFileBytes > 0)) throw new Error(`AccountFiles: maxFileBytes must be positive, got ${maxFileBytes}`);
    if (!(quotaBytes > 0)) throw new Error(`AccountFiles: quotaBytes must be positive, got ${quotaBytes}`);
  }

  /** What the account stores now, against its quota. */
  async usage(owner: string): Promise<StorageUse> {
    const [files, pending] = await Promise.all([this.list(owner), this.pendingUnder(owner)]);
    const fileBytes = files.reduce((n, f) => n + f.size, 0);
    const pendingBytes = pending.reduce((n, p) => n + p.size, 0);
    return { files: files.length, fileBytes, pendingUploads: pending.length, pendingBytes, usedBytes: fileBytes + pendingBytes, quotaBytes: this.quotaBytes };
  }

  /** Complete files under `folder` ("" for all), sorted by path. */
  async list(owner: string, folder = ""): Promise<AccountFile[]> {
    const root = filesPrefix(owner);
    const blobs = await this.blobs.list(folder ? this.key(owner, folder) + "/" : root);
    return blobs.map((b) => ({ path: b.key.slice(root.length), size: b.size, sha256: b.sha256 }));
  }

  async stat(owner: string, path: string): Promise<AccountFile | null> {
    const info = await this.blobs.stat(this.key(owner, path));
    return info && { path, size: info.size, sha256: info.sha256 };
  }

  modifiedAt(owner: string, path: string): Promise<number | null> {
    return this.blobs.modifiedAt(this.key(owner, path));
  }

  /** The file's bytes from `start` on, or null when there is no such file. */
  read(owner: string, path: string, start = 0): Promise<ReadableStream<Uint8Array> | null> {
    const key = this.key(owner, path);
    return start > 0 ? this.blobs.getFrom(key, start) : this.blobs.get(key);
  }

  /** Stores a whole file at once, replacing what was there (and any unfinished upload of it). */
  async write(owner: string, path: string, body: ReadableStream<Uint8Array> | Uint8Array | string, declaredBytes?: number): Promise<AccountFile> {
    const key = this.key(owner, path);
    if (declaredBytes !== undefined && declaredBytes > this.maxFileBytes) throw this.tooLarge();
    // The file replaces what is at `path`, and its unfinished upload: neither counts against it.
    const [use, old, pending] = await Promise.all([this.usage(owner), this.blobs.stat(key), this.blobs.uploads.staged(key)]);
    const room = this.quotaBytes - (use.usedBytes - (old?.size ?? 0) - (pending?.size ?? 0));
    if (declaredBytes !== undefined && declaredBytes > room) throw this.quotaFull(use, declaredBytes);
    const maxBytes = Math.max(0, Math.min(this.maxFileBytes, room));
    const info = await this.blobs.put(key, body, { maxBytes }).catch((err) => {
      throw this.named(err, maxBytes < this.maxFileBytes ? use : null);
    });
    await this.blobs.uploads.discard(key);
    return { path, size: info.size, sha256: info.sha256 };
  }

  /** Deletes the file and any unfinished upload of it; false when there was neither. */
  async delete(owner: string, path: string): Promise<boolean> {
    const key = this.key(owner, path);
    const [file, pending] = await Promise.all([this.blobs.delete(key), this.blobs.uploads.discard(key)]);
    return file || pending;
  }

  /** Renames a file, replacing any file at `to`; false when `from` does not exist. */
  move(owner: string, from: string, to: string): Promise<boolean> {
    return this.blobs.move(this.key(owner, from, "from"), this.key(owner, to, "to"));
  }

  async pending(owner: string, path: string): Promise<PendingFile | null> {
    const staged = await this.blobs.uploads.staged(this.key(owner, path));
    return staged && this.pendingFile(owner, staged);
  }

  async pendingUnder(owner: string, folder = ""): Promise<PendingFile[]> {
    const staged = await this.blobs.uploads.stagedUnder(folder ? this.key(owner, folder) + "/" : filesPrefix(owner));
    return staged.map((s) => this.pendingFile(owner, s));
  }

  /**
   * Adds one piece of an upload at `offset` (see `BlobUploads.stage`); the
   * file appears only once `finish` is called. `fromFile` starts a resumed
   * upload from the first `offset` bytes of the finished file.
   */
  async writePiece(owner: string, path: string, body: ReadableStream<Uint8Array>, opts: { offset: number; fromFile?: boolean }): Promise<PendingFile> {
    if (opts.offset > this.maxFileBytes) throw this.tooLarge();
    const key = this.key(owner, path);
    // The upload's own staged bytes are counted in `use` and in its new size: count them once;
    // the file it will replace is not counted against it either (as with `write`).
    const [use, pending, old] = await Promise.all([this.usage(owner), this.blobs.uploads.staged(key), this.blobs.stat(key)]);
    const room = this.quotaBytes - (use.usedBytes - (pending?.size ?? 0) - (old?.size ?? 0));
    if (opts.offset > room) throw this.quotaFull(use, opts.offset);
    const maxBytes = Math.min(this.maxFileBytes, room);
    const staged = await this.blobs.uploads.stage(key, body, { offset: opts.offset, maxBytes, seedFromBlob: opts.fromFile ?? false }).catch(async (err) => {
      // An upload over a cap can never complete as it is: keeping its bytes would only hold space.
      if (err instanceof MedusaError && err.code === "payload_too_large") await this.blobs.uploads.discard(key);
      throw this.named(err, maxBytes < this.maxFileBytes ? use : null);
    });
    return this.pendingFile(owner, staged);
  }

  /** Turns the pieces received into the file; with `size`, only when exactly that many bytes arrived. */
  async finish(owner: string, path: string, size?: number): Promise<AccountFile> {
    const info = await this.blobs.uploads.commit(this.key(owner, path), size === undefined ? {} : { size });
    return { path, size: info.size, sha256: info.sha256 };
  }

  /**
   * Deletes every account's unfinished uploads that received nothing since
   * `before` (epoch ms): an upload nobody resumes must not hold quota or disk
   * for ever. Returns how many went.
   */
  async dropStaleUploads(before: number): Promise<number> {
    const stale = (await this.blobs.uploads.stagedUnder(ACCOUNTS_PREFIX)).filter((s) => s.modifiedAt < before);
    const dropped = await Promise.all(stale.map((s) => this.blobs.uploads.discard(s.key)));
    return dropped.filter(Boolean).length;
  }

  /** Discards an unfinished upload; false when there was none. */
  abandon(owner: string, path: string): Promise<boolean> {
    return this.blobs.uploads.discard(this.key(owner, path));
  }

  tooLarge(): MedusaError {
    return new MedusaError("payload_too_large", `file is over the limit of ${this.maxFileBytes} bytes`, { maxBytes: this.maxFileBytes });
  }

  /** The account's quota is full: `insufficient_storage`, written for the caller (it is theirs to fix), with the figures. */
  quotaFull(use: StorageUse, adding?: number): MedusaError {
    const what = adding === undefined ? "this upload would pass it" : `this upload needs ${adding} bytes more than the ${Math.max(0, this.quotaBytes - use.usedBytes)} left`;
    return new MedusaError(
      "insufficient_storage",
      `storage quota of ${this.quotaBytes} bytes exceeded: you store ${use.usedBytes} bytes (files and unfinished uploads) and ${what}; delete files to make room`,
      { quotaBytes: this.quotaBytes, usedBytes: use.usedBytes },
      { expose: true },
    );
  }

  private key(owner: string, path: string, field = "path"): string {
    return accountFileKey(owner, checkFilePath(path, field));
  }

  private pendingFile(owner: string, staged: StagedUpload): PendingFile {
    return { path: staged.key.slice(filesPrefix(owner).length), size: staged.size, modifiedAt: staged.modifiedAt };
  }

  /**
   * The store's own messages name internal keys: say it in the account's
   * terms instead. `quotaBound`: the cap passed was the room left under the
   * quota, so passing it means the quota is full.
   */
  private named(err: unknown, quotaBound: StorageUse | null): unknown {
    if (!(err instanceof MedusaError && err.code === "payload_too_large")) return err;
    return quotaBound ? this.quotaFull(quotaBound) : this.tooLarge();
  }
}
