import { createHash } from "node:crypto";
import type { NatsConnection } from "nats";
import { MedusaError, type BlobInfo, type FileBlobStore } from "@medusa/core";
import { chunksOf } from "./body-chunks.ts";
import { blobKeySegments, blobPrefixSegments } from "./blob-keys.ts";
import { ObjectBucket, type Manifest, type Segment } from "./jetstream-bucket.ts";
import { SegmentBuffer, segmentStream } from "./jetstream-segments.ts";
import { JetStreamUploads } from "./jetstream-uploads.ts";

/**
 * Blobs in a NATS JetStream object store bucket, so every host reaches the
 * same bytes through the bus it already has (no shared disk). A blob is a
 * manifest object named by its key, carrying size, sha256 and the list of
 * segments (jetstream-bucket.ts) that hold its bytes; bytes stream in and
 * out a segment at a time. Writing the manifest is what makes a blob appear
 * or change, so a reader never sees half a blob; the segments it replaced
 * are purged afterwards (a read of the old version still under way then
 * fails rather than mixing versions).
 *
 * Keys name files in folders, as in the folder store: every folder holding
 * a blob has a marker object, so a blob and a folder cannot share a name.
 * Internal names hold a backslash, which no key can.
 */
const folderMarker = (folder: string) => `\\dir/${folder}`;
const conflict = (key: string) => new MedusaError("conflict", `blob key ${key} conflicts with an existing blob or folder`);

export class JetStreamBlobStore implements FileBlobStore {
  readonly uploads: JetStreamUploads;

  private constructor(private readonly objects: ObjectBucket) {
    this.uploads = new JetStreamUploads(objects, this);
  }

  /** Opens (creating if needed) the bucket, file-backed, with `replicas` copies on a JetStream cluster. */
  static async open(nc: NatsConnection, bucket: string, opts: { replicas?: number } = {}): Promise<JetStreamBlobStore> {
    return new JetStreamBlobStore(await ObjectBucket.open(nc, bucket, opts));
  }

  async put(key: string, body: ReadableStream<Uint8Array> | Uint8Array | string, opts: { maxBytes?: number } = {}): Promise<BlobInfo> {
    await this.claimName(key);
    const buffer = new SegmentBuffer();
    const segments: Segment[] = [];
    const hash = createHash("sha256");
    let size = 0;
    try {
      for await (const chunk of chunksOf(body)) {
        size += chunk.byteLength;
        if (opts.maxBytes !== undefined && size > opts.maxBytes) throw new MedusaError("payload_too_large", `blob ${key} is larger than ${opts.maxBytes} bytes`);
        hash.update(chunk);
        for (const full of buffer.push(chunk)) segments.push(await this.objects.putSegment(full));
      }
      const rest = buffer.take();
      if (rest) segments.push(await this.objects.putSegment(rest));
    } catch (err) {
      await this.objects.purgeSegments(segments).catch(() => {});
      throw err;
    }
    return this.install(key, { size, sha256: hash.digest("hex"), modifiedAt: Date.now(), segments });
  }

  async get(key: string): Promise<ReadableStream<Uint8Array> | null> {
    return this.getFrom(key, 0);
  }

  async bytes(key: string): Promise<Uint8Array | null> {
    const stream = await this.get(key);
    return stream && new Uint8Array(await new Response(stream).arrayBuffer());
  }

  async stat(key: string): Promise<BlobInfo | null> {
    const m = await this.manifest(key);
    return m && { key, size: m.size, sha256: m.sha256 };
  }

  async list(prefix: string): Promise<BlobInfo[]> {
    const base = folderPrefix(prefix);
    const found: BlobInfo[] = [];
    for (const info of await this.objects.list()) {
      if (info.name.includes("\\") || !info.name.startsWith(base)) continue;
      const m = parseManifest(info.metadata);
      if (m) found.push({ key: info.name, size: m.size, sha256: m.sha256 });
    }
    return found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async delete(key: string): Promise<boolean> {
    const m = await this.manifest(key);
    if (!m) return false;
    await this.objects.purge(key);
    await this.objects.purgeSegments(m.segments);
    return true;
  }

  async deletePrefix(prefix: string): Promise<number> {
    const base = folderPrefix(prefix);
    const folder = base.slice(0, -1);
    let deleted = 0;
    for (const info of await this.objects.list()) {
      const marked = info.name.startsWith(folderMarker(""));
      const path = marked ? info.name.slice(folderMarker("").length) : info.name;
      if (marked && (base === "" || path === folder || path.startsWith(base))) await this.objects.purge(info.name);
      else if (!info.name.includes("\\") && info.name.startsWith(base) && (await this.delete(info.name))) deleted++;
    }
    return deleted;
  }

  async getFrom(key: string, start: number): Promise<ReadableStream<Uint8Array> | null> {
    const m = await this.manifest(key);
    return m && segmentStream(this.objects, m.segments, start);
  }

  async modifiedAt(key: string): Promise<number | null> {
    return (await this.manifest(key))?.modifiedAt ?? null;
  }

  async move(from: string, to: string): Promise<boolean> {
    blobKeySegments(to);
    const m = await this.manifest(from);
    if (!m) return false;
    if (from === to) return true;
    await this.claimName(to);
    await this.install(to, m);
    await this.objects.purge(from);
    return true;
  }

  /** The blob's manifest, or null when `key` names no blob. */
  async manifest(key: string): Promise<Manifest | null> {
    blobKeySegments(key);
    return parseManifest(await this.objects.metadata(key));
  }

  /**
   * Makes sure `key` can hold a blob: no blob where one of its folders goes
   * (those folders are marked as they are found missing), no folder by its name.
   */
  async claimName(key: string): Promise<void> {
    const parts = blobKeySegments(key);
    for (let n = 1; n < parts.length; n++) {
      const folder = parts.slice(0, n).join("/");
      if (await this.objects.metadata(folderMarker(folder))) continue;
      if (await this.manifest(folder)) throw conflict(key);
      await this.objects.putEmpty(folderMarker(folder));
    }
    if (await this.objects.metadata(folderMarker(key))) throw conflict(key);
  }

  /** Points `key` at `m` in one write, then purges the segments of what it replaced. */
  async install(key: string, m: Manifest): Promise<BlobInfo> {
    const old = await this.manifest(key);
    await this.objects.putEmpty(key, { manifest: JSON.stringify(m) });
    if (old) {
      const kept = new Set(m.segments.map((s) => s[0]));
      await this.objects.purgeSegments(old.segments.filter((s) => !kept.has(s[0])));
    }
    return { key, size: m.size, sha256: m.sha256 };
  }
}

function folderPrefix(prefix: string): string {
  const parts = blobPrefixSegments(prefix);
  return parts.length > 0 ? `${parts.join("/")}/` : "";
}

function parseManifest(metadata: Record<string, string> | null | undefined): Manifest | null {
  const text = metadata?.manifest;
  return text ? (JSON.parse(text) as Manifest) : null;
}
