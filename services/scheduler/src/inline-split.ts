import { inputChunks, inputKind, measureChunks, type JobSpec, type NewChunk } from "@medusa/core";
import type { SchedulerContext } from "./scheduler-context.ts";

/**
 * Most chunks a job's input may make for the scheduler to split it itself.
 * A job of a few inline items or a short range (W2's one item) is cut in
 * memory in no time; sending it through a splitter cost four more bus round
 * trips (split, claim, add, seal), most of what such a job waited before its
 * first lease. Anything bigger keeps the durable split a splitter holds.
 */
export const INLINE_SPLIT_CHUNKS = 8;

/** The chunks of a small inline input (items or a range, at most INLINE_SPLIT_CHUNKS), or null for one a splitter should cut. */
export async function inlineChunks(ctx: SchedulerContext, jobId: string, owner: string, spec: JobSpec): Promise<{ chunks: NewChunk[]; items: number } | null> {
  const kind = inputKind(spec.input);
  if (kind !== "items" && kind !== "range") return null;
  const source = { owner, blobs: ctx.blobs };
  const { chunks: count, items } = await measureChunks(spec.input, source, spec.chunkSize);
  if (count > INLINE_SPLIT_CHUNKS) return null;
  const chunks: NewChunk[] = [];
  for await (const chunk of inputChunks(spec.input, source, { jobId, chunkSize: spec.chunkSize })) chunks.push(chunk);
  return { chunks, items };
}

/** Stores the chunks and seals the job, as a splitter would, with no split task to claim. */
export async function splitInline(ctx: SchedulerContext, jobId: string, split: { chunks: NewChunk[]; items: number }): Promise<void> {
  const { store, now } = ctx;
  if (split.chunks.length > 0) ctx.publish(await store.addChunks(jobId, split.chunks));
  ctx.publish(await store.sealJob(jobId, split.items, now()));
}
