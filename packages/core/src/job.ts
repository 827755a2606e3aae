import { z } from "zod";
import { ChunkCounts, FileFormat, JobState, Replicas } from "./api.ts";
import { StoredProgram, Task } from "./program.ts";

/** What one chunk runs over. `blob` chunks live in the blob store (large file chunks). */
export const ChunkInput = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("items"), items: z.array(z.unknown()) }),
  z.object({ kind: z.literal("range"), start: z.number().int(), stop: z.number().int(), step: z.number().int() }),
  z.object({ kind: z.literal("blob"), key: z.string(), format: FileFormat }),
  /** The reduce chunk: its items are all map results, in input order. */
  z.object({ kind: z.literal("results") }),
]);
export type ChunkInput = z.infer<typeof ChunkInput>;

/** A chunk as the splitter hands it to the scheduler: `offset` is its first item's index in the job. */
export const NewChunk = z.object({ offset: z.number().int().min(0), count: z.number().int().min(0), input: ChunkInput });
export type NewChunk = z.infer<typeof NewChunk>;

export const JobRecord = z.object({
  id: z.string(),
  owner: z.string(),
  name: z.string(),
  program: StoredProgram,
  hasReduce: z.boolean(),
  state: JobState,
  chunks: ChunkCounts,
  sealed: z.boolean(),
  items: z.number().int(),
  timeoutMs: z.number().int(),
  maxAttempts: z.number().int(),
  replicas: Replicas,
  /** Agreeing results a chunk needs; with "auto", what a replicated chunk needs (a trusted node's alone needs 1). */
  quorum: z.number().int().min(1),
  /**
   * `held` went into the job's escrow at submission; `spent` is what accepted
   * results have been paid so far. The rest is refunded when the job ends.
   */
  credits: z.object({ price: z.number().int(), held: z.number().int(), spent: z.number().int() }),
  createdAt: z.number(),
  finishedAt: z.number().optional(),
  error: z.string().optional(),
});
export type JobRecord = z.infer<typeof JobRecord>;

export const ChunkRef = z.object({ jobId: z.string(), index: z.number().int().min(0) });
export type ChunkRef = z.infer<typeof ChunkRef>;

/** A chunk leased to one node: only the holder of `token` may complete or fail it. */
export const ChunkLease = ChunkRef.extend({
  token: z.string(),
  task: Task,
  attempt: z.number().int(),
  offset: z.number().int(),
  input: ChunkInput,
  expiresAt: z.number(),
});
export type ChunkLease = z.infer<typeof ChunkLease>;

export const ChunkError = z.object({
  message: z.string().max(8192),
  /** Index of the failing item within the chunk, when the program said which. */
  itemIndex: z.number().int().min(0).optional(),
});
export type ChunkError = z.infer<typeof ChunkError>;

/** Live job events; `id` orders them per job and lets a client resume. */
export const JobEvent = z.discriminatedUnion("type", [
  z.object({ id: z.number().int(), type: z.literal("progress"), state: JobState, chunks: ChunkCounts, sealed: z.boolean() }),
  z.object({
    id: z.number().int(),
    type: z.literal("chunk"),
    index: z.number().int(),
    task: Task,
    nodeId: z.string(),
    chunks: ChunkCounts,
  }),
  z.object({ id: z.number().int(), type: z.literal("done"), chunks: ChunkCounts }),
  z.object({ id: z.number().int(), type: z.literal("failed"), error: z.string(), chunks: ChunkCounts }),
  z.object({ id: z.number().int(), type: z.literal("cancelled"), chunks: ChunkCounts }),
]);
export type JobEvent = z.infer<typeof JobEvent>;
/** An event before the store numbers it. */
export type NewJobEvent = JobEvent extends infer E ? (E extends { id: number } ? Omit<E, "id"> : never) : never;
