import type { Settlement } from "../ledger.ts";
import type { ChunkError, ChunkLease, ChunkRef, JobEvent, JobRecord, NewChunk } from "../job.ts";

/**
 * The chunk-state port: jobs, their chunks, leases, results and event log.
 * Every method is one atomic transition (a Lua script in Redis, a transaction
 * in SQLite). Time is always passed in (`now`, ms since epoch) so tests drive
 * the clock. Transitions return the job events they appended, already
 * numbered, for the scheduler to publish.
 *
 * Chunk life: queued → leased(node, token, expiresAt) → done; a failed
 * attempt or an expired/released lease puts it back to queued at the front of
 * the queue until `maxAttempts` attempts have failed, which fails the job.
 * A job with `hasReduce` gets one extra chunk (index = number of map chunks,
 * task "reduce", input {kind:"results"}) counted in `chunks.total` from the
 * moment it is sealed and queued once every map chunk is done. A sealed job
 * whose chunks are all done is `done`.
 *
 * Credits: the store keeps the job's settlement outbox in the same atomic
 * writes. An accepted result with a price records a payout (and adds it to
 * `credits.spent`); a job reaching a final state records the refund of
 * `held − spent`. The scheduler forwards the outbox to the settlement queue
 * and acknowledges what was durably queued, so a crash between the two only
 * sends a settlement twice, and its key makes the second one a no-op.
 */
export interface StoredEvent {
  jobId: string;
  event: JobEvent;
}

export interface Transition {
  events: StoredEvent[];
}

export type CompleteOutcome =
  /** Stored; the job may have finished (see events). */
  | "accepted"
  /** The caller does not hold the chunk's current lease (expired, released, reassigned, or never leased). */
  | "stale"
  /** The job is cancelled or failed; the result is dropped. */
  | "job_final";

export interface LeaseHolder extends ChunkRef {
  nodeId: string;
  token: string;
}

export interface ChunkStore {
  /** Stores a new job (state queued, no chunks, unsealed). */
  createJob(job: JobRecord, now: number): Promise<Transition>;
  getJob(jobId: string): Promise<JobRecord | null>;
  /** The owner's jobs, newest first. */
  listJobs(owner: string, limit: number): Promise<JobRecord[]>;
  /** Appends chunks in index order (index = chunks.total so far). False when the job is final: stop splitting. */
  addChunks(jobId: string, chunks: NewChunk[], now: number): Promise<Transition & { accepted: boolean }>;
  /** No more chunks will come; `items` is the job's item count. */
  sealJob(jobId: string, items: number, now: number): Promise<Transition>;
  /** Leases up to `max` queued chunks of running/queued jobs to a node, oldest job first, for `leaseMs` of each job's timeoutMs-derived lease. */
  leaseChunks(nodeId: string, max: number, now: number): Promise<Transition & { leases: ChunkLease[] }>;
  /** `results` is the JSON text of the chunk's result array (or of the reduce value). */
  completeChunk(holder: LeaseHolder, results: string, now: number): Promise<Transition & { outcome: CompleteOutcome }>;
  failChunk(holder: LeaseHolder, error: ChunkError, now: number): Promise<Transition & { outcome: CompleteOutcome }>;
  /** Requeues (or fails, past maxAttempts) up to `limit` chunks whose lease expired before `now`. */
  requeueExpired(now: number, limit: number): Promise<Transition & { requeued: number }>;
  /** A node left: every chunk it holds goes back as if its lease had expired. */
  releaseNode(nodeId: string, now: number): Promise<Transition & { requeued: number }>;
  cancelJob(jobId: string, now: number): Promise<Transition>;
  failJob(jobId: string, error: string, now: number): Promise<Transition>;
  /** Map results of chunks [from, from+limit) that are done, in index order, as stored JSON text. */
  readResults(jobId: string, from: number, limit: number): Promise<Array<{ index: number; results: string }>>;
  /** The reduce chunk's stored value, or null. */
  readReduceResult(jobId: string): Promise<string | null>;
  /** Up to `limit` recorded settlements not yet acknowledged, in no particular order. */
  pendingSettlements(limit: number): Promise<Settlement[]>;
  /** Forgets settlements that reached the settlement queue. */
  ackSettlements(keys: string[]): Promise<void>;
  /** Events with id > afterId, oldest first. */
  readEvents(jobId: string, afterId: number, limit: number): Promise<JobEvent[]>;
  close(): Promise<void>;
}

/** How long a lease lasts: the chunk's run time, plus one more for time spent prefetched, plus slack. */
export function leaseMsFor(timeoutMs: number): number {
  return timeoutMs * 2 + 5_000;
}
