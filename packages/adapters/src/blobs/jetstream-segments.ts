import { createHash } from "node:crypto";
import { SEGMENT_BYTES, segmentSize, type ObjectBucket, type Segment } from "./jetstream-bucket.ts";

/** Collects a body's chunks into segment-sized pieces; at most one segment is ever held. */
export class SegmentBuffer {
  private parts: Uint8Array[] = [];
  private held = 0;

  constructor(private readonly segmentBytes = SEGMENT_BYTES) {}

  get size(): number {
    return this.held;
  }

  /** Adds a chunk; returns the segments it completed, each exactly segmentBytes long. */
  push(chunk: Uint8Array): Uint8Array[] {
    const full: Uint8Array[] = [];
    for (let rest = chunk; rest.byteLength > 0; ) {
      const take = Math.min(rest.byteLength, this.segmentBytes - this.held);
      this.parts.push(rest.subarray(0, take));
      this.held += take;
      rest = rest.subarray(take);
      if (this.held === this.segmentBytes) full.push(this.take()!);
    }
    return full;
  }

  /** Whatever is held, as one piece (null when empty); the buffer starts over. */
  take(): Uint8Array | null {
    if (this.held === 0) return null;
    const data = Buffer.concat(this.parts, this.held);
    this.parts = [];
    this.held = 0;
    return data;
  }
}

/** The bytes of `segments` from `start` on, fetched one segment at a time as the reader asks. */
export function segmentStream(objects: ObjectBucket, segments: readonly Segment[], start = 0): ReadableStream<Uint8Array> {
  let next = 0;
  let skip = start;
  while (next < segments.length && skip >= segmentSize(segments[next]!)) skip -= segmentSize(segments[next++]!);
  let current: AsyncIterator<Uint8Array> | null = null;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      for (;;) {
        if (!current) {
          if (next >= segments.length) return controller.close();
          current = objects.readSegment(segments[next++]!);
        }
        const { done, value } = await current.next();
        if (done) {
          current = null;
          continue;
        }
        const cut = Math.min(skip, value.byteLength);
        skip -= cut;
        if (value.byteLength > cut) return controller.enqueue(value.subarray(cut));
      }
    },
    async cancel() {
      await current?.return?.();
    },
  });
}

/** The first `length` bytes of one segment (at most a segment's worth in memory). */
export async function segmentPrefix(objects: ObjectBucket, segment: Segment, length: number): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let held = 0;
  for await (const chunk of objects.readSegment(segment)) {
    const take = chunk.subarray(0, length - held);
    parts.push(take);
    held += take.byteLength;
    if (held === length) break;
  }
  return Buffer.concat(parts, held);
}

export async function hashSegments(objects: ObjectBucket, segments: readonly Segment[]): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of segmentStream(objects, segments)) hash.update(chunk);
  return hash.digest("hex");
}
