import { MedusaError } from "./errors.ts";
import { accountFileKey, checkFilePath, filesPrefix } from "./input/account-files.ts";
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

/**
 * An account's files, as both the REST file API and the FTP service see
 * them: every path is checked here, every key is built from the owner here,
 * and every byte an account stores is written through here, so limits on
 * what an account may keep (the size cap today) hold the same everywhere.
 */
export class AccountFiles {
  constructor(
    private readonly blobs: FileBlobStore,
    readonly maxFileBytes: number,
  ) {
    if (!(maxFileBytes > 0)) throw new Error(`AccountFiles: maxFileBytes must be positive, got ${maxFileBytes}`);
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
    const info = await this.blobs.put(key, body, { maxBytes: this.maxFileBytes }).catch((err) => {
      throw this.named(err);
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
    const staged = await this.blobs.uploads.stage(key, body, { offset: opts.offset, maxBytes: this.maxFileBytes, seedFromBlob: opts.fromFile ?? false }).catch(async (err) => {
      // An upload over the cap can never complete: keeping its bytes would only hold space.
      if (err instanceof MedusaError && err.code === "payload_too_large") await this.blobs.uploads.discard(key);
      throw this.named(err);
    });
    return this.pendingFile(owner, staged);
  }

  /** Turns the pieces received into the file; with `size`, only when exactly that many bytes arrived. */
  async finish(owner: string, path: string, size?: number): Promise<AccountFile> {
    const info = await this.blobs.uploads.commit(this.key(owner, path), size === undefined ? {} : { size });
    return { path, size: info.size, sha256: info.sha256 };
  }

  /** Discards an unfinished upload; false when there was none. */
  abandon(owner: string, path: string): Promise<boolean> {
    return this.blobs.uploads.discard(this.key(owner, path));
  }

  tooLarge(): MedusaError {
    return new MedusaError("payload_too_large", `file is over the limit of ${this.maxFileBytes} bytes`, { maxBytes: this.maxFileBytes });
  }

  private key(owner: string, path: string, field = "path"): string {
    return accountFileKey(owner, checkFilePath(path, field));
  }

  private pendingFile(owner: string, staged: StagedUpload): PendingFile {
    return { path: staged.key.slice(filesPrefix(owner).length), size: staged.size, modifiedAt: staged.modifiedAt };
  }

  /** The store's own messages name internal keys: say it in the account's terms instead. */
  private named(err: unknown): unknown {
    return err instanceof MedusaError && err.code === "payload_too_large" ? this.tooLarge() : err;
  }
}
