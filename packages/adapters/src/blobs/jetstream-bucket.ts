import { randomUUID } from "node:crypto";
import { StorageType, type JetStreamManager, type NatsConnection, type ObjectInfo, type ObjectStore } from "nats";

/**
 * One NATS JetStream object store bucket, as the JetStream blob store uses
 * it: small named objects that carry only metadata (manifests, folder
 * markers, staged uploads) and segments, objects of at most SEGMENT_BYTES
 * holding a blob's bytes. Reading or writing a segment goes through the
 * object store API; nats 2.29's put keeps every chunk of an object in flight
 * until it ends and its get enqueues without backpressure, so bounding each
 * object to a segment is what keeps a big blob's memory flat.
 */
export const SEGMENT_BYTES = 8 << 20;
const CHUNK_BYTES = 256 << 10;

/** A blob's bytes from `start` to `start + size`, in object `\seg/<id>` (nuid: where its chunks live). */
export type Segment = [id: string, nuid: string, size: number];
export const segmentSize = (s: Segment) => s[2];

/** What a blob's manifest object carries in its metadata. */
export interface Manifest {
  size: number;
  sha256: string;
  modifiedAt: number;
  segments: Segment[];
}

export class ObjectBucket {
  private constructor(
    private readonly os: ObjectStore,
    private readonly jsm: JetStreamManager,
    readonly bucket: string,
  ) {}

  static async open(nc: NatsConnection, bucket: string, opts: { replicas?: number } = {}): Promise<ObjectBucket> {
    const os = await nc.jetstream().views.os(bucket, { storage: StorageType.File, replicas: opts.replicas ?? 1 });
    return new ObjectBucket(os, await nc.jetstreamManager(), bucket);
  }

  /** The object's metadata, or null when there is none (or only a delete marker). */
  async metadata(name: string): Promise<Record<string, string> | null> {
    const info = await this.os.info(name);
    return info && !info.deleted ? (info.metadata ?? {}) : null;
  }

  /** Creates or replaces an object with no bytes. */
  async putEmpty(name: string, metadata: Record<string, string> = {}): Promise<void> {
    await this.os.putBlob({ name, metadata }, null);
  }

  async putSegment(data: Uint8Array): Promise<Segment> {
    const id = randomUUID();
    const info = await this.os.putBlob({ name: segmentName(id), options: { max_chunk_size: CHUNK_BYTES } }, data);
    return [id, info.nuid, data.byteLength];
  }

  /** The segment's bytes; the stream errors if they are gone or do not match the digest they were stored with. */
  async readSegment(segment: Segment): Promise<ReadableStream<Uint8Array>> {
    const found = await this.os.get(segmentName(segment[0]));
    if (!found) throw new Error(`blob segment ${segment[0]} is missing`);
    // nats types its stream as node:stream/web's; it is the same global ReadableStream.
    return found.data as unknown as ReadableStream<Uint8Array>;
  }

  /**
   * Removes an object outright. The object store's own delete leaves a
   * marker per name forever; segments get fresh names, so purging keeps the
   * bucket from growing by one marker per segment ever written.
   */
  async purge(name: string, nuid?: string): Promise<void> {
    if (nuid) await this.jsm.streams.purge(this.stream, { filter: `$O.${this.bucket}.C.${nuid}` });
    await this.jsm.streams.purge(this.stream, { filter: `$O.${this.bucket}.M.${Buffer.from(name).toString("base64url")}${padding(name)}` });
  }

  async purgeSegments(segments: readonly Segment[]): Promise<void> {
    for (const [id, nuid] of segments) await this.purge(segmentName(id), nuid);
  }

  /** Every live object (metadata only). */
  async list(): Promise<ObjectInfo[]> {
    return (await this.os.list()).filter((info) => !info.deleted);
  }

  /** Deletes the bucket and everything in it. */
  async destroy(): Promise<void> {
    await this.os.destroy();
  }

  private get stream(): string {
    return `OBJ_${this.bucket}`;
  }
}

const segmentName = (id: string) => `\\seg/${id}`;

/** The object store names meta subjects by padded base64url, which Node's "base64url" leaves unpadded. */
function padding(name: string): string {
  const rest = Buffer.byteLength(name) % 3;
  return rest === 0 ? "" : "=".repeat(3 - rest);
}
