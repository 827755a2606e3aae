import { call, readChunkItems, subjects, type BlobStore, type Bus, type ChunkInput } from "@medusa/core";
import { parseResultsArray, RESULTS_PAGE } from "../jobs/results-stream.ts";

/**
 * Turns a lease's ChunkInput into the item list a node runs, so nodes need
 * nothing but the gateway: a map chunk's items as the input module reads
 * them (inline, a range expanded, or a blob), and a reduce chunk's input
 * gathered from every map result in order.
 */
export interface ItemSources {
  bus: Bus;
  blobs: BlobStore;
}

export async function chunkItems(sources: ItemSources, job: { jobId: string; owner: string }, input: ChunkInput): Promise<unknown[]> {
  if (input.kind === "results") return mapResults(sources.bus, job);
  return readChunkItems(input, sources.blobs);
}

/** Every map result of the job, flattened in chunk order, read a page of chunks at a time. */
async function mapResults(bus: Bus, job: { jobId: string; owner: string }): Promise<unknown[]> {
  const items: unknown[] = [];
  let from = 0;
  for (;;) {
    const page = await call(bus, subjects.jobResults, { owner: job.owner, jobId: job.jobId, from, limit: RESULTS_PAGE });
    for (const chunk of page.chunks) {
      for (const item of parseResultsArray(chunk.results, job.jobId, chunk.index)) items.push(item);
      from = chunk.index + 1;
    }
    if (page.chunks.length === 0 || from >= page.total) return items;
  }
}
