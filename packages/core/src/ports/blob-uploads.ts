import type { BlobInfo, BlobStore } from "./blobs.ts";

/**
 * What a file API needs from the blob store beyond `BlobStore`: uploads that
 * arrive in pieces (a resumed HTTP or FTP transfer), ranged reads, moves and
 * modification times.
 *
 * A staged upload is invisible to `get`, `stat` and `list` until it is
 * committed, so a half-sent file is never a job input; committing replaces
 * the blob in one step.
 */
export interface StagedUpload {
  key: string;
  /** Bytes received so far. */
  size: number;
  /** Epoch ms of the last byte received. */
  modifiedAt: number;
}

export interface StageOptions {
  /** Where `body` starts: at most the bytes staged so far (anything staged past it is dropped); 0 starts over. */
  offset: number;
  /** Cap on the staged upload's total size: passing it fails with `payload_too_large`. */
  maxBytes?: number;
  /**
   * With nothing staged and `offset > 0`, start from the first `offset`
   * bytes of the committed blob (FTP's `REST n` + `STOR` on a finished file).
   */
  seedFromBlob?: boolean;
}

export interface BlobUploads {
  /** The staged upload for `key`, or null. */
  staged(key: string): Promise<StagedUpload | null>;
  /** Staged uploads under a prefix (a folder ending in `/`, or "" for all), sorted by key. */
  stagedUnder(prefix: string): Promise<StagedUpload[]>;
  /**
   * Writes `body` into the staged upload at `offset`. Bytes that arrived
   * before the body failed (a dropped connection) stay staged, so the next
   * piece can start where this one stopped. A newer `stage` of the same key
   * in this process stops an older one that is still running. Fails with
   * `conflict` when `offset` is past the staged bytes.
   */
  stage(key: string, body: ReadableStream<Uint8Array>, opts: StageOptions): Promise<StagedUpload>;
  /**
   * Makes the staged bytes the blob at `key`, replacing any blob there.
   * With `size`, fails with `conflict` unless exactly that many bytes are staged.
   */
  commit(key: string, opts?: { size?: number }): Promise<BlobInfo>;
  /** Drops the staged upload; false when there was none. */
  discard(key: string): Promise<boolean>;
}

export interface FileBlobStore extends BlobStore {
  readonly uploads: BlobUploads;
  /** The blob from byte `start` on (null when absent); `start` past the end gives an empty stream. */
  getFrom(key: string, start: number): Promise<ReadableStream<Uint8Array> | null>;
  /** Epoch ms of the blob's last change, or null when absent. */
  modifiedAt(key: string): Promise<number | null>;
  /** Renames a blob, replacing any blob at `to`; false when `from` does not exist. */
  move(from: string, to: string): Promise<boolean>;
}
