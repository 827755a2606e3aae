import { createHash, randomUUID } from "node:crypto";
import { headers, JsHeaders, JSONCodec, nuid, StorageType, type JetStreamClient, type JetStreamManager, type NatsConnection, type ObjectInfo, type ObjectStore, type PubAck } from "nats";

/**
 * One NATS JetStream object store bucket, as the JetStream blob store uses
 * it: small named objects that carry only metadata (manifests, folder
 * markers, staged uploads) and segments, objects of at most SEGMENT_BYTES
 * holding a blob's bytes. Segments are written and read here in the object
 * store's own layout (chunks on `$O.<bucket>.C.<nuid>`, a rolled-up info
 * message on the name's meta subject), so the object store API lists and
 * deletes them and other clients can read them; but nats 2.29's put and get
 * hash every byte in plain JavaScript (about 20 MB/s on a loaded core), its
 * put keeps all of an object's chunks in flight and its get enqueues without
 * backpressure. Here node's sha256 does the hashing, at most WINDOW chunks
 * are unacknowledged, and a reader pulls WINDOW chunks at a time.
 */
export const SEGMENT_BYTES = 8 << 20;
const CHUNK_BYTES = 256 << 10;
const WINDOW = 8;

/** Bytes of a blob in object `\seg/<id>`: its chunks live under `nuid`; digest is the object store's `SHA-256=…`. */
export type Segment = [id: string, nuid: string, size: number, digest: string];
export const segmentSize = (s: Segment) => s[2];

/** What a blob's manifest object carries in its metadata. */
export interface Manifest {
  size: number;
  sha256: string;
  modifiedAt: number;
  segments: Segment[];
}

export class ObjectBucket {
  private readonly js: JetStreamClient;

  private constructor(
    private readonly os: ObjectStore,
    private readonly jsm: JetStreamManager,
    readonly bucket: string,
    nc: NatsConnection,
  ) {
    this.js = nc.jetstream();
  }

  static async open(nc: NatsConnection, bucket: string, opts: { replicas?: number } = {}): Promise<ObjectBucket> {
    const os = await nc.jetstream().views.os(bucket, { storage: StorageType.File, replicas: opts.replicas ?? 1 });
    return new ObjectBucket(os, await nc.jetstreamManager(), bucket, nc);
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
    const chunkNuid = nuid.next();
    const acks: Promise<PubAck>[] = [];
    try {
      for (let at = 0; at < data.byteLength; at += CHUNK_BYTES) {
        acks.push(this.js.publish(`$O.${this.bucket}.C.${chunkNuid}`, data.subarray(at, at + CHUNK_BYTES)));
        if (acks.length >= WINDOW) await acks.shift();
      }
      await Promise.all(acks);
      const digest = `SHA-256=${createHash("sha256").update(data).digest("base64url")}=`;
      const info = { name: segmentName(id), description: "", options: { max_chunk_size: CHUNK_BYTES }, bucket: this.bucket, nuid: chunkNuid, size: data.byteLength, chunks: Math.ceil(data.byteLength / CHUNK_BYTES), mtime: new Date().toISOString(), digest, deleted: false };
      const h = headers();
      h.set(JsHeaders.RollupHdr, JsHeaders.RollupValueSubject);
      await this.js.publish(this.metaSubject(info.name), JSONCodec().encode(info), { headers: h });
      return [id, chunkNuid, data.byteLength, digest];
    } catch (err) {
      await Promise.allSettled(acks);
      await this.jsm.streams.purge(this.stream, { filter: `$O.${this.bucket}.C.${chunkNuid}` }).catch(() => {});
      throw err;
    }
  }

  /** The segment's bytes, WINDOW chunks per pull; fails if they are gone or do not match their digest. */
  async *readSegment(segment: Segment): AsyncGenerator<Uint8Array> {
    const [id, chunkNuid, size, digest] = segment;
    if (size === 0) return;
    const consumer = await this.js.consumers.get(this.stream, { filterSubjects: `$O.${this.bucket}.C.${chunkNuid}` });
    const hash = createHash("sha256");
    let got = 0;
    try {
      while (got < size) {
        const before = got;
        // A pull returns once it has them all: never ask for more chunks than are left.
        const left = Math.ceil((size - got) / CHUNK_BYTES);
        for await (const m of await consumer.fetch({ max_messages: Math.min(WINDOW, left), expires: 5_000 })) {
          hash.update(m.data);
          got += m.data.byteLength;
          yield m.data;
        }
        if (got === before) throw new Error(`blob segment ${id} is missing`);
      }
    } finally {
      await consumer.delete().catch(() => {});
    }
    if (got !== size || `SHA-256=${hash.digest("base64url")}=` !== digest) throw new Error(`blob segment ${id} is corrupt: its bytes do not match its digest`);
  }

  /**
   * Removes an object outright. The object store's own delete leaves a
   * marker per name forever; segments get fresh names, so purging keeps the
   * bucket from growing by one marker per segment ever written.
   */
  async purge(name: string, nuid?: string): Promise<void> {
    if (nuid) await this.jsm.streams.purge(this.stream, { filter: `$O.${this.bucket}.C.${nuid}` });
    await this.jsm.streams.purge(this.stream, { filter: this.metaSubject(name) });
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

  private metaSubject(name: string): string {
    return `$O.${this.bucket}.M.${Buffer.from(name).toString("base64url")}${padding(name)}`;
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
