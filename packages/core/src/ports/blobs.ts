/** The blob port: named byte streams under `/`-separated keys. Keys are validated by the caller's namespace. */
export interface BlobInfo {
  key: string;
  size: number;
  sha256: string;
}

export interface BlobStore {
  /** Streams `body` in; fails with `payload_too_large` past maxBytes and leaves nothing behind. */
  put(key: string, body: ReadableStream<Uint8Array> | Uint8Array | string, opts?: { maxBytes?: number }): Promise<BlobInfo>;
  /** null when absent. */
  get(key: string): Promise<ReadableStream<Uint8Array> | null>;
  bytes(key: string): Promise<Uint8Array | null>;
  stat(key: string): Promise<BlobInfo | null>;
  /** Keys under a prefix (a folder, ending in `/`), sorted. */
  list(prefix: string): Promise<BlobInfo[]>;
  delete(key: string): Promise<boolean>;
  deletePrefix(prefix: string): Promise<number>;
}
