import { z } from "zod";
import { ChunkCounts, JobState, Replicas } from "./api.ts";
import { ChunkInput } from "./input/chunk-input.ts";
import { limits } from "./limits.ts";
import { StoredProgram, Task } from "./program.ts";

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
  /** Validated results a node needs before it may lease this job's chunks (see NodeReputation.agreed). */
  minReputation: z.number().int().min(0).optional(),
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
  message: z.string().max(limits.errorMessageChars),
  /** Index of the failing item within the chunk, when the program said which. */
  itemIndex: z.number().int().min(0).optional(),
  /**
   * The program cannot load on any node (a Python SyntaxError): retrying cannot
   * help, so the scheduler fails the job at once where one node's word counts.
   */
  deterministic: z.literal(true).optional(),
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
  /** A node took the chunk: it runs until a `chunk` event (its result accepted) or another lease. */
  z.object({ id: z.number().int(), type: z.literal("leased"), index: z.number().int(), task: Task, nodeId: z.string(), chunks: ChunkCounts }),
  z.object({ id: z.number().int(), type: z.literal("done"), chunks: ChunkCounts }),
  z.object({ id: z.number().int(), type: z.literal("failed"), error: z.string(), chunks: ChunkCounts }),
  z.object({ id: z.number().int(), type: z.literal("cancelled"), chunks: ChunkCounts }),
]);
export type JobEvent = z.infer<typeof JobEvent>;
/** An event before the store numbers it. */
export type NewJobEvent = JobEvent extends infer E ? (E extends { id: number } ? Omit<E, "id"> : never) : never;
