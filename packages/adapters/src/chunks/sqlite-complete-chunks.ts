import type { BatchTransition, ChunkResult } from "@medusa/core";
import { completeChunk } from "./sqlite-complete-chunk.ts";
import type { SqliteParts, Tx } from "./sqlite-job-state.ts";

/** A node's batch of results, the twin of complete-chunks.lua: each as completeChunk takes it, in order, inside the one transaction the store opens. */
export function completeChunks(p: SqliteParts, tx: Tx, results: ChunkResult[], now: number): Pick<BatchTransition, "completed"> {
  return { completed: results.map((r) => completeChunk(p, tx, r, r.results, now, r.hash ?? r.results)) };
}
