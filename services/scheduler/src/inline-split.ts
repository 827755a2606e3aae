import { inputChunks, inputKind, measureChunks, type AnnouncedProgram, type JobRecord, type JobSpec, type NewChunk } from "@medusa/core";
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

/** Stores the chunks and seals the job, as a splitter would, with no split task to claim; the chunks are announced with the job's program (`program`, see announcedProgram). */
export async function splitInline(ctx: SchedulerContext, jobId: string, split: { chunks: NewChunk[]; items: number }, program?: AnnouncedProgram): Promise<void> {
  const { store, now } = ctx;
  if (split.chunks.length > 0) ctx.publish(await store.addChunks(jobId, split.chunks), program);
  ctx.publish(await store.sealJob(jobId, split.items, now()));
}

/** Largest program, as JSON text, told to every gateway with a new job's chunks; a bigger one (or a WASI module, read from blobs) is asked for by the gateway that leases a chunk. */
export const ANNOUNCED_PROGRAM_CHARS = 16 * 1024;

/**
 * A new job's program as the gateways' jobProgram would answer it, when it is
 * small enough to go with every announcement of its chunks: the gateway that
 * leases the first chunk then sends it to its node without a request first.
 */
export function announcedProgram(job: JobRecord): AnnouncedProgram | undefined {
  if (job.program.runtime !== "python" || JSON.stringify(job.program).length > ANNOUNCED_PROGRAM_CHARS) return undefined;
  return { jobId: job.id, owner: job.owner, program: job.program, timeoutMs: job.timeoutMs };
}
