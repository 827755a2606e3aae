import { limits, type ChunkStore } from "@medusa/core";

/** Chunks read from the store at a time: small enough that a run of chunks at the result limit stays a few hundred MiB in memory. */
const BATCH = 16;

/**
 * A page of a job's stored map results that fits one bus message: chunks of
 * [from, from + limit) read a batch at a time until the page holds `budget`
 * characters of results (16 MiB by default, the most one chunk may hold). A
 * chunk that would pass the budget starts the next page instead, unless it
 * is the page's first; `through` then says where this page stops.
 */
export async function resultsPage(
  store: Pick<ChunkStore, "readResults">,
  jobId: string,
  from: number,
  limit: number,
  budget: number = limits.resultBytes,
): Promise<{ chunks: Array<{ index: number; results: string }>; through?: number }> {
  const chunks: Array<{ index: number; results: string }> = [];
  let size = 0;
  for (let at = from; at < from + limit; at += BATCH) {
    for (const chunk of await store.readResults(jobId, at, Math.min(BATCH, from + limit - at))) {
      if (chunks.length > 0 && size + chunk.results.length > budget) return { chunks, through: chunk.index };
      chunks.push(chunk);
      size += chunk.results.length;
    }
  }
  return { chunks };
}
