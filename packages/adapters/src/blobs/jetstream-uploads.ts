import { createHash } from "node:crypto";
import { MedusaError, type BlobInfo, type BlobUploads, type StagedUpload, type StageOptions } from "@medusa/core";
import { blobKeySegments, blobPrefixSegments } from "./blob-keys.ts";
import { SEGMENT_BYTES, segmentSize, type Manifest, type ObjectBucket, type Segment } from "./jetstream-bucket.ts";
import { hashSegments, SegmentBuffer, segmentPrefix, segmentStream } from "./jetstream-segments.ts";
import { KeyedLock } from "./keyed-lock.ts";

/** What staged uploads need from the JetStream store they commit into. */
export interface UploadTarget {
  claimName(key: string): Promise<void>;
  install(key: string, m: Manifest): Promise<BlobInfo>;
  manifest(key: string): Promise<Manifest | null>;
}

interface Staged {
  key: string;
  size: number;
  modifiedAt: number;
  segments: Segment[];
}

/**
 * Staged uploads of a JetStreamBlobStore: each is an object
 * `\staged/<sha256 of key>` listing the segments received so far. Bytes
 * become staged a segment at a time, and also whenever the body goes quiet
 * for IDLE_FLUSH_MS or fails, so what arrived before a dropped connection
 * is there to resume from; a short segment is merged into the next piece
 * rather than left behind, so a trickling upload keeps few segments.
 * Committing hands the segments to the blob without copying them.
 */
const IDLE_FLUSH_MS = 300;
const STAGED = "\\staged/";
const stagedName = (key: string) => `${STAGED}${createHash("sha256").update(key).digest("hex")}`;
const pastEnd = (offset: number, size: number) => new MedusaError("conflict", `offset ${offset} is past the ${size} bytes received so far`, { size });

export class JetStreamUploads implements BlobUploads {
  private readonly locks = new KeyedLock();

  constructor(
    private readonly objects: ObjectBucket,
    private readonly store: UploadTarget,
  ) {}

  async staged(key: string): Promise<StagedUpload | null> {
    blobKeySegments(key);
    const s = await this.load(key);
    return s && describe(s);
  }

  async stagedUnder(prefix: string): Promise<StagedUpload[]> {
    blobPrefixSegments(prefix);
    const found: StagedUpload[] = [];
    for (const info of await this.objects.list()) {
      const s = parseStaged(info.metadata);
      if (s && info.name.startsWith(STAGED) && s.key.startsWith(prefix)) found.push(describe(s));
    }
    return found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async stage(key: string, body: ReadableStream<Uint8Array>, opts: StageOptions): Promise<StagedUpload> {
    blobKeySegments(key);
    const { offset } = opts;
    if (!Number.isSafeInteger(offset) || offset < 0) throw new MedusaError("invalid_field", `offset must be a whole number of bytes, got ${offset}`, { field: "offset" });
    const { release, signal } = await this.locks.acquire(key, { preempt: true });
    try {
      let state = await this.load(key);
      if (!state) {
        if (offset > 0 && !opts.seedFromBlob) throw pastEnd(offset, 0);
        state = offset > 0 ? await this.seed(key, offset) : { key, size: 0, modifiedAt: Date.now(), segments: [] };
        await this.save(state);
      } else if (offset > state.size) {
        throw pastEnd(offset, state.size);
      } else if (offset < state.size) {
        state = await this.truncate(state, offset);
      }
      await this.append(state, body, opts.maxBytes, signal);
      return describe(state);
    } finally {
      release();
    }
  }

  async commit(key: string, opts: { size?: number } = {}): Promise<BlobInfo> {
    blobKeySegments(key);
    const { release } = await this.locks.acquire(key, { preempt: false });
    try {
      const state = await this.load(key);
      if (!state) throw new MedusaError("not_found", "no upload in progress for this file");
      if (opts.size !== undefined && state.size !== opts.size) {
        throw new MedusaError("conflict", `${state.size} of ${opts.size} bytes have arrived`, { size: state.size, expected: opts.size });
      }
      await this.store.claimName(key);
      const sha256 = await hashSegments(this.objects, state.segments);
      const info = await this.store.install(key, { size: state.size, sha256, modifiedAt: Date.now(), segments: state.segments });
      await this.objects.purge(stagedName(key));
      return info;
    } finally {
      release();
    }
  }

  async discard(key: string): Promise<boolean> {
    blobKeySegments(key);
    const { release } = await this.locks.acquire(key, { preempt: true });
    try {
      const state = await this.load(key);
      if (!state) return false;
      await this.objects.purge(stagedName(key));
      await this.objects.purgeSegments(state.segments);
      return true;
    } finally {
      release();
    }
  }

  /**
   * Reads `body` into the staged upload. Stops between chunks when `signal`
   * fires (a newer piece of the same upload took over); whatever arrived is
   * staged whichever way it ends.
   */
  private async append(state: Staged, body: ReadableStream<Uint8Array>, maxBytes: number | undefined, signal: AbortSignal): Promise<void> {
    const buffer = new SegmentBuffer();
    const reader = body.getReader();
    // A dropped connection may never deliver another chunk: cancelling wakes the pending read.
    const onAbort = () => void reader.cancel().catch(() => {});
    signal.addEventListener("abort", onAbort, { once: true });
    let finished = false;
    try {
      for (;;) {
        const read = reader.read();
        const { done, value } = buffer.size > 0 ? await quietFor(read, IDLE_FLUSH_MS, () => this.persist(state, buffer.take())) : await read;
        if (signal.aborted) throw new MedusaError("conflict", "a newer piece of this upload took over");
        if (done) break;
        if (maxBytes !== undefined && state.size + buffer.size + value.byteLength > maxBytes) {
          throw new MedusaError("payload_too_large", `upload is larger than ${maxBytes} bytes`, { maxBytes });
        }
        for (const full of buffer.push(value)) await this.persist(state, full);
      }
      finished = true;
    } finally {
      signal.removeEventListener("abort", onAbort);
      if (!finished) await reader.cancel().catch(() => {});
      reader.releaseLock();
      await this.persist(state, buffer.take()).catch((err) => {
        if (finished) throw err;
      });
    }
  }

  /** Appends bytes to the staged upload as a segment, merged with a short last one. */
  private async persist(state: Staged, data: Uint8Array | null): Promise<void> {
    if (!data) return;
    const last = state.segments.at(-1);
    const merge = last !== undefined && segmentSize(last) < SEGMENT_BYTES / 2 && segmentSize(last) + data.byteLength <= SEGMENT_BYTES;
    const bytes = merge ? Buffer.concat([await segmentPrefix(this.objects, last, segmentSize(last)), data]) : data;
    const segment = await this.objects.putSegment(bytes);
    if (merge) state.segments.pop();
    state.segments.push(segment);
    state.size += data.byteLength;
    state.modifiedAt = Date.now();
    await this.save(state);
    if (merge) await this.objects.purgeSegments([last]);
  }

  /** A new staged upload holding the committed blob's first `offset` bytes (copied: the blob stays as it is until commit). */
  private async seed(key: string, offset: number): Promise<Staged> {
    const m = await this.store.manifest(key);
    if (!m || m.size < offset) throw pastEnd(offset, m?.size ?? 0);
    const segments: Segment[] = [];
    const buffer = new SegmentBuffer();
    let copied = 0;
    try {
      const reader = segmentStream(this.objects, m.segments).getReader();
      while (copied < offset) {
        const { done, value } = await reader.read();
        if (done) break;
        const take = value.subarray(0, offset - copied);
        copied += take.byteLength;
        for (const full of buffer.push(take)) segments.push(await this.objects.putSegment(full));
      }
      await reader.cancel().catch(() => {});
      const rest = buffer.take();
      if (rest) segments.push(await this.objects.putSegment(rest));
    } catch (err) {
      await this.objects.purgeSegments(segments).catch(() => {});
      throw err;
    }
    return { key, size: copied, modifiedAt: Date.now(), segments };
  }

  /** Drops the staged bytes from `offset` on: whole segments past it, and the tail of the one it falls in. */
  private async truncate(state: Staged, offset: number): Promise<Staged> {
    const kept: Segment[] = [];
    const dropped: Segment[] = [];
    let at = 0;
    for (const segment of state.segments) {
      const size = segmentSize(segment);
      if (at + size <= offset) kept.push(segment);
      else {
        if (at < offset) kept.push(await this.objects.putSegment(await segmentPrefix(this.objects, segment, offset - at)));
        dropped.push(segment);
      }
      at += size;
    }
    const next = { ...state, size: offset, modifiedAt: Date.now(), segments: kept };
    await this.save(next);
    await this.objects.purgeSegments(dropped);
    return next;
  }

  private async load(key: string): Promise<Staged | null> {
    return parseStaged(await this.objects.metadata(stagedName(key)));
  }

  private async save(state: Staged): Promise<void> {
    await this.objects.putEmpty(stagedName(state.key), { staged: JSON.stringify(state) });
  }
}

function parseStaged(metadata: Record<string, string> | null | undefined): Staged | null {
  const text = metadata?.staged;
  return text ? (JSON.parse(text) as Staged) : null;
}

const describe = (s: Staged): StagedUpload => ({ key: s.key, size: s.size, modifiedAt: s.modifiedAt });

/** Waits for `read`; if it is still pending after `ms`, runs `onQuiet` once meanwhile (and waits for both). */
async function quietFor<T>(read: Promise<T>, ms: number, onQuiet: () => Promise<void>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const quiet = new Promise<"quiet">((resolve) => (timer = setTimeout(() => resolve("quiet"), ms)));
  try {
    if ((await Promise.race([read, quiet])) === "quiet") await onQuiet();
    return await read;
  } finally {
    clearTimeout(timer);
  }
}
