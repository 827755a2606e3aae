import { MedusaError } from "../errors.ts";
import type { BlobStore } from "../ports/blobs.ts";
import type { ChunkInput, NewChunk } from "./chunk-input.ts";
import { limits } from "../limits.ts";
import { rangeValues } from "./range-input.ts";
import { binaryItems } from "./binary-items.ts";

/**
 * A chunk's items on their way into the chunk store and back out to a node:
 * packed inline, or as a JSON array in the blob store when their JSON is too
 * big to travel inside the chunk record.
 */
export const chunkBlobKey = (jobId: string, index: number) => `jobs/${jobId}/chunks/${index}.json`;
/** Every blob of one job (its chunks, its frozen WASI module): deleted when it fails or is cancelled, and at the end of its retention. */
export const jobBlobsPrefix = (jobId: string) => `jobs/${jobId}/`;

export interface ChunkPacking {
  /** Names the blob keys of chunks too big to inline: `jobs/<jobId>/chunks/<index>.json`. */
  jobId: string;
  blobs: Pick<BlobStore, "put">;
  inlineMaxBytes?: number;
}

const encoder = new TextEncoder();

/** The chunk of `items` starting at item `offset`, the `index`-th of its job. */
export async function packChunk(items: unknown[], at: { offset: number; index: number }, packing: ChunkPacking): Promise<NewChunk> {
  const json = JSON.stringify(items);
  const count = items.length;
  if (encoder.encode(json).length < (packing.inlineMaxBytes ?? limits.inlineChunkBytes)) return { offset: at.offset, count, input: { kind: "items", items } };
  const key = chunkBlobKey(packing.jobId, at.index);
  await packing.blobs.put(key, json);
  return { offset: at.offset, count, input: { kind: "blob", key, format: "json" } };
}

/**
 * The items a map chunk runs over. The reduce chunk's (`results`) are the
 * job's map results, which only the scheduler has; a binary chunk's are
 * descriptions of its items, whose bytes the node fetches (binary-items.ts).
 */
export async function readChunkItems(input: Exclude<ChunkInput, { kind: "results" }>, blobs: Pick<BlobStore, "bytes">): Promise<unknown[]> {
  switch (input.kind) {
    case "files":
    case "records":
      return binaryItems(input);
    case "items":
      return input.items;
    case "range":
      return [...rangeValues(input)];
    case "blob": {
      const bytes = await blobs.bytes(input.key);
      if (!bytes) throw new MedusaError("not_found", `chunk blob ${input.key} is missing`);
      const items: unknown = JSON.parse(new TextDecoder().decode(bytes));
      if (!Array.isArray(items)) throw new MedusaError("internal", `chunk blob ${input.key} is not a JSON array`);
      return items;
    }
  }
}
