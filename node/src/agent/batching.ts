import { limits, type NodeChunk } from "@medusa/core";

/**
 * Tiny chunks are all overhead: a runner round trip costs about a
 * millisecond, a one-item `map` microseconds. Once a job's chunks have shown
 * they are fast, the node asks for more of them at a time and runs queued
 * chunks of that job in one runner call, splitting the results back per
 * chunk. A job's first chunk always runs alone, so a slow job never batches.
 */
export const BATCH_LIMITS = {
  /** A chunk this fast (ms, as measured) counts as tiny. */
  fastMs: 20,
  /** Chunks fetched ahead per slot while the current job's chunks are tiny. */
  fastWindowPerSlot: limits.nodeChunksPerSlot,
  maxChunks: 64,
  maxItems: 20_000,
} as const;

export class ChunkPace {
  /** `fastMs` 0 turns batching and the larger window off. */
  constructor(private readonly fastMs: number = BATCH_LIMITS.fastMs) {}

  /** Average run time per chunk of each job seen lately. */
  private readonly msPerChunk = new Map<string, number>();
  private lastFast = false;

  record(jobId: string, chunks: number, ms: number): void {
    const per = ms / Math.max(1, chunks);
    const before = this.msPerChunk.get(jobId);
    this.msPerChunk.set(jobId, before === undefined ? per : before * 0.7 + per * 0.3);
    this.lastFast = per < this.fastMs;
    if (this.msPerChunk.size > 256) this.msPerChunk.delete(this.msPerChunk.keys().next().value!);
  }

  /** How many chunks to hold per slot (running + fetched ahead). */
  windowPerSlot(): number {
    return this.lastFast ? BATCH_LIMITS.fastWindowPerSlot : 2;
  }

  /** Chunks of `first`'s job, from the front of the queue, to run with it in one call. */
  takeBatch(first: NodeChunk, queue: NodeChunk[], timeoutMs: number): NodeChunk[] {
    const per = this.msPerChunk.get(first.jobId);
    // A binary chunk's bytes are fetched for it alone, and are big enough to be worth a call of their own.
    if (first.task !== "map" || first.binary || per === undefined || per >= this.fastMs) return [first];
    // Stay well inside the per-chunk timeout, which the whole call must meet.
    const byTime = Math.max(1, Math.floor(timeoutMs / 4 / Math.max(per, 0.01)));
    const max = Math.min(BATCH_LIMITS.maxChunks, byTime);
    const batch = [first];
    let items = first.items.length;
    for (let i = 0; i < queue.length && batch.length < max; ) {
      const c = queue[i]!;
      if (c.jobId !== first.jobId || c.task !== "map" || c.binary || items + c.items.length > BATCH_LIMITS.maxItems) {
        i++;
        continue;
      }
      batch.push(c);
      items += c.items.length;
      queue.splice(i, 1);
    }
    return batch;
  }
}

/** Splits one call's results back into each chunk's; null when they do not add up. */
export function splitResults(batch: NodeChunk[], results: unknown): unknown[][] | null {
  const total = batch.reduce((n, c) => n + c.items.length, 0);
  if (!Array.isArray(results) || results.length !== total) return null;
  const out: unknown[][] = [];
  let at = 0;
  for (const c of batch) {
    out.push(results.slice(at, at + c.items.length));
    at += c.items.length;
  }
  return out;
}
