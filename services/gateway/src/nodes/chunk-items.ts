import { call, MedusaError, subjects, type BlobStore, type Bus, type ChunkInput, type FileFormat } from "@medusa/core";
import { parseResultsArray, RESULTS_PAGE } from "../jobs/results-stream.ts";

/**
 * Turns a lease's ChunkInput into the item list a node runs, so nodes need
 * nothing but the gateway: inline items as they are, ranges expanded, blob
 * chunks read from the blob store, and a reduce chunk's input gathered from
 * every map result in order.
 */
export interface ItemSources {
  bus: Bus;
  blobs: BlobStore;
}

export async function chunkItems(sources: ItemSources, job: { jobId: string; owner: string }, input: ChunkInput): Promise<unknown[]> {
  switch (input.kind) {
    case "items":
      return input.items;
    case "range":
      return rangeItems(input);
    case "blob":
      return blobItems(sources.blobs, input.key, input.format);
    case "results":
      return mapResults(sources.bus, job);
  }
}

export function rangeItems(r: { start: number; stop: number; step: number }): number[] {
  const items: number[] = [];
  if (r.step > 0) for (let x = r.start; x < r.stop; x += r.step) items.push(x);
  else if (r.step < 0) for (let x = r.start; x > r.stop; x += r.step) items.push(x);
  return items;
}

/**
 * A blob chunk holds its items as a JSON array. Raw slices of the input
 * file (lines / JSON Lines) are read too, so either way of writing chunks works.
 */
export async function blobItems(blobs: BlobStore, key: string, format: FileFormat): Promise<unknown[]> {
  const bytes = await blobs.bytes(key);
  if (!bytes) throw new MedusaError("not_found", `chunk blob ${key} is missing`);
  const text = new TextDecoder().decode(bytes);
  if (format === "json" || text.trimStart().startsWith("[")) {
    try {
      const items: unknown = JSON.parse(text);
      if (Array.isArray(items)) return items;
    } catch {
      // not a JSON array: fall through to the line formats
    }
    if (format === "json") throw new MedusaError("internal", `chunk blob ${key} is not a JSON array`);
  }
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  const stripped = lines.map((l) => (l.endsWith("\r") ? l.slice(0, -1) : l));
  return format === "jsonl" ? stripped.filter((l) => l.trim() !== "").map((l) => JSON.parse(l)) : stripped;
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
