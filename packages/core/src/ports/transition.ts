import type { ChunkRef, JobEvent } from "../job.ts";

/** What every chunk-store transition returns and takes (see chunk-store.ts), apart so that the batch port shares it. */
export interface StoredEvent {
  jobId: string;
  event: JobEvent;
}

export interface Transition {
  events: StoredEvent[];
  /**
   * Chunks this transition put into the queue: new ones, retries, a replica
   * more wanted, the reduce chunk released. New work for idle nodes; a chunk
   * already in the queue is not counted again.
   */
  queued: number;
}

export type CompleteOutcome =
  /** Taken: the chunk's accepted result agrees with it (or, for failChunk, the failure counted); the job may have finished (see events). */
  | "accepted"
  /** Stored; the chunk waits for other replicas to agree with it. */
  | "pending"
  /** Stored, but the replicas disagreed more than the limit allows: the chunk failed its job. */
  | "rejected"
  /** The caller does not hold the chunk's current lease (expired, released, reassigned, or never leased). */
  | "stale"
  /** The job is cancelled or failed; the result is dropped. */
  | "job_final";

export interface LeaseHolder extends ChunkRef {
  nodeId: string;
  token: string;
}

