import type { Settlement } from "../ledger.ts";
import type { NodeReputation } from "../api.ts";
import type { JobState } from "../api.ts";
import type { ChunkInput, NewChunk } from "../input/chunk-input.ts";
import type { ChunkError, ChunkLease, JobEvent, JobRecord } from "../job.ts";
import type { ChunkBatches } from "./chunk-batch.ts";
import type { CompleteOutcome, LeaseHolder, Transition } from "./transition.ts";

export type { CompleteOutcome, LeaseHolder, StoredEvent, Transition } from "./transition.ts";

/** A job's split as a durable task: what a splitter is asked, and how long the first one has to claim it. */
export interface SplitTask {
  /** The splitJob request, as JSON: what is sent again when another splitter must take over. */
  request: string;
  dueMs: number;
}

/** A splitter's hold on a split: only the holder of `token` adds chunks or seals. */
export interface SplitClaim {
  token: string;
  /** Map chunks already stored: the split goes on after them. */
  chunks: number;
}

/** Who adds a batch of chunks and where it starts (the job's map chunks so far; else the batch is refused). */
export interface SplitBatch {
  token: string;
  at: number;
}

/** A split to send to a splitter again: its holder's lease ran out, or it was handed back. */
export interface DueSplit {
  jobId: string;
  request: string;
}

export interface LeaseOptions {
  /**
   * Whose nodes count as one voter: the node owner's account, so that one
   * person's nodes never make a quorum alone. A private pool, whose nodes all
   * share an owner, passes the node id. Default: the node id.
   */
  owner?: string;
  /** Agreeing results in a row after which a node runs "auto" chunks alone. */
  trustAfter?: number;
  /** Chance (0–1) that a trusted node's "auto" chunk is replicated all the same. */
  spotCheckRate?: number;
  /**
   * The runtimes the node runs (a node without an OS sandbox runs "wasi" only);
   * chunks of other jobs stay queued for other nodes. Default: any.
   */
  runtimes?: string[];
  /** Spot-check draws in [0, 1); tests pass a fixed one. */
  random?: () => number;
  /**
   * The network the node connects from (its /24 or /64): no two replicas of a
   * chunk come from one. Absent: not checked (a private pool).
   */
  origin?: string;
  /** A new node's lease window (see leaseWindow); absent, a node may hold any number. */
  startWindow?: number;
  /**
   * How long each lease lasts before it must be renewed (see lease-terms.ts),
   * never past the job's `leaseMsFor(timeoutMs)`. Absent: that whole time.
   */
  leaseMs?: number;
  /** Once the queue is empty, second leases on other nodes' unanswered one-replica chunks (backups.lua); default off. */
  backups?: boolean;
}

/**
 * A finished job whose retention ran out: its chunks, results and events
 * are gone; this much is kept for a while (`forgetAfterMs`), so asking for
 * it says "gone" rather than "never existed".
 */
export interface ExpiredJob {
  id: string;
  owner: string;
  state: JobState;
  finishedAt: number;
  expiredAt: number;
}

export interface ExpireOptions {
  /** Jobs that finished at or before this (ms) expire: now − retention. */
  finishedBefore: number;
  now: number;
  /** Most jobs expired per call. */
  limit: number;
  /** How long an expired job is still remembered as expired. */
  forgetAfterMs: number;
}

/**
 * Times a chunk may go back with a node that left before that costs it an
 * attempt: enough for a node's restart or a network blip, too few for a
 * chunk whose result keeps dropping its node's connection to loop forever.
 */
export const FREE_RELEASES = 3;

export const DEFAULT_TRUST_AFTER = 10;
export const DEFAULT_SPOT_CHECK_RATE = 0.1;
export const DEFAULT_START_WINDOW = 8;

export interface CompleteTransition extends Transition {
  outcome: CompleteOutcome;
  /** Nodes whose earlier results lost to the accepted one: caught, their standing reset. */
  disagreed: string[];
  /** With "stale": the chunk was done already, so this is a backup's or an extra replica's late answer, not a lost lease. */
  settled?: true;
}

/**
 * The chunk-state port: jobs, their chunks, leases, results and event log.
 * Every method is one atomic transition (a Lua script in Redis, a transaction
 * in SQLite). Time is always passed in (`now`, ms since epoch) so tests drive
 * the clock. Transitions return the job events they appended, already
 * numbered, for the scheduler to publish.
 *
 * Chunk life: open → done | failed. An open chunk wants results from
 * `replicas` distinct nodes (one lease per node, each with its own token and
 * expiry) and sits in the queue while it wants more than it has leased. The
 * same node never holds two replicas of a chunk, nor do two nodes whose
 * `owner` (see LeaseOptions) is the same. A result whose canonical hash is
 * shared by `quorum` results is accepted: the chunk is done, leases still out
 * on it become stale. When no group can reach the quorum any more, more
 * replicas are wanted, up to `replicas + quorum` results per chunk; past
 * that the chunk fails the job ("replicas disagreed: …"). A failed attempt
 * or an expired lease puts the chunk back at the front of the queue until
 * `maxAttempts` attempts have failed, which fails the job; a lease lasts
 * `leaseMs` and is renewed while its node runs the chunk (renewLeases); a released lease
 * (the node left) goes back without counting. A chunk whose lease ran out
 * on a node is not leased to that node again for one lease length of the
 * job (`leaseMsFor`), so other nodes get it first, and not for good (a chunk
 * that ran out on every node of a small pool waited forever). Only a node's first
 * expiry counts as a failed attempt: after that its expiries cost the node
 * its lease window (`startWindow`, see leaseWindow), not the consumer.
 * A job with `hasReduce` gets one extra chunk (index = number of map chunks,
 * task "reduce", input {kind:"results"}) counted in `chunks.total` from the
 * moment it is sealed and queued once every map chunk is done. A sealed job
 * whose chunks are all done is `done`. `chunks.running` counts leases out.
 *
 * Adaptive replication (`replicas: "auto"`): when a node leases a chunk that
 * nobody else holds, a node whose reputation streak reaches `trustAfter` runs
 * it alone unless a spot-check draw falls below `spotCheckRate`; for anyone
 * else the chunk wants two agreeing results. Reputation counts only validated
 * results (those compared in a quorum of two or more): agreeing ones add to
 * the streak, a disagreeing one, a failed attempt or an expired lease resets
 * it. A result accepted alone is not validated: its payout waits, unpaid,
 * until the job ends, and is forfeit if its node is caught disagreeing on
 * another chunk of the same job before then.
 *
 * Credits: the store keeps the job's settlement outbox in the same atomic
 * writes. An accepted result with a price records a payout to each node whose
 * result agreed (and adds it to `credits.spent`), so a chunk pays at most
 * `quorum` ≤ `replicas` times `price`, what the escrow holds for it; nodes
 * that disagreed, or whose lease went stale, earn nothing. A job reaching a
 * final state records the payouts still waiting, then the refund of
 * `held − spent`. The scheduler forwards the outbox to the settlement queue
 * (each replica claims a batch for a short lease, so replicas share the
 * outbox rather than each sending all of it) and acknowledges what was
 * durably queued, so a crash between the two only sends a settlement twice,
 * and its key makes the second one a no-op.
 *
 * Splits: a job created with a SplitTask has a split that a splitter claims
 * with a lease (`claimSplit`, renewed while it works) and that records its
 * progress (the map chunks stored) with each batch it adds. Only the
 * holder's batches, each starting where the last one ended, are taken, so a
 * chunk is never added twice. A split whose lease runs out unsealed (or
 * that its holder released) is due again (`requeueExpiredSplits`): each
 * dispatch counts an attempt, one handed back without an error excepted;
 * past the job's `maxAttempts` the job fails with the last reason, and
 * refunds.
 *
 * Retention: a final job stays whole until `expireJobs` is called with a
 * cutoff past its `finishedAt` (the scheduler passes now − MEDUSA_RETENTION);
 * then everything of it goes, and `expiredJob` remembers that it did.
 */
export interface ChunkStore extends ChunkBatches {
  /** Stores a new job (state queued, no chunks, unsealed). */
  createJob(job: JobRecord, now: number, split?: SplitTask): Promise<Transition>;
  getJob(jobId: string): Promise<JobRecord | null>;
  /**
   * The owner's jobs, newest first (by createdAt, then id, both descending),
   * up to `limit`; with `before`, only those after that job in this order, so
   * a page's last id fetches the next page. A `before` that is not one of the
   * owner's jobs gives none.
   */
  listJobs(owner: string, limit: number, before?: string): Promise<JobRecord[]>;
    /**
   * Appends chunks in index order (index = chunks.total so far). False when the
   * job is final (stop splitting), or when `batch` does not hold the split's
   * lease or starts elsewhere than where the chunks so far end.
   */
  addChunks(jobId: string, chunks: NewChunk[], batch?: SplitBatch): Promise<Transition & { accepted: boolean }>;
  /** No more chunks will come; `items` is the job's item count. With `token`, only its split's holder seals (anyone else: nothing happens). */
  sealJob(jobId: string, items: number, now: number, token?: string): Promise<Transition>;
  /** Claims the job's split for `leaseMs` when nobody holds a live lease on it and it is unsealed and not final; else null. */
  claimSplit(jobId: string, holder: string, now: number, leaseMs: number): Promise<SplitClaim | null>;
  /** Extends the holder's lease; false when it no longer holds it (or the split ended). */
  renewSplit(jobId: string, token: string, now: number, leaseMs: number): Promise<boolean>;
  /** The holder gives the split back at once: with `error`, a failed attempt; without, handed back (a splitter shutting down) and not counted. */
  releaseSplit(jobId: string, token: string, now: number, error?: string): Promise<void>;
  /** Up to `limit` splits due again: each gets `dueMs` to be claimed; those out of attempts fail their jobs instead. */
  requeueExpiredSplits(now: number, limit: number, dueMs: number): Promise<Transition & { due: DueSplit[] }>;
  /** Leases up to `max` queued chunks of running/queued jobs to a node, front of the queue first, each for its job's timeoutMs-derived lease. */
  leaseChunks(nodeId: string, max: number, now: number, options?: LeaseOptions): Promise<Transition & { leases: ChunkLease[] }>;
  /**
   * `results` is the JSON text of the chunk's result array (or of the reduce
   * value); replicas agree when their `hash` is equal (the scheduler passes
   * the canonical text and its SHA-256; absent, the text is its own hash).
   */
  completeChunk(holder: LeaseHolder, results: string, now: number, hash?: string): Promise<CompleteTransition>;
  failChunk(holder: LeaseHolder, error: ChunkError, now: number): Promise<Transition & { outcome: CompleteOutcome }>;
  /**
   * Extends each of these live leases (its holder's token, not yet expired,
   * the job not final) to `now + leaseMs`, never past `leaseMsFor(timeoutMs)`
   * after it was handed out. Returns how many it extended; the others are
   * gone or at their cap, and the sweep deals with them.
   */
  renewLeases(holders: LeaseHolder[], now: number, leaseMs: number): Promise<{ renewed: number }>;
  /** Requeues (or fails, past maxAttempts) up to `limit` chunks whose lease expired before `now`. */
  requeueExpired(now: number, limit: number): Promise<Transition & { requeued: number }>;
  /**
   * A node left: every chunk it holds goes back to the queue. The first
   * FREE_RELEASES times a chunk goes back so, the attempt does not count;
   * after that each release is a failed attempt (error: "lost with its
   * node's connection N times"), so no chunk is leased forever.
   */
  releaseNode(nodeId: string, now: number): Promise<Transition & { requeued: number }>;
  cancelJob(jobId: string, now: number): Promise<Transition>;
  failJob(jobId: string, error: string, now: number): Promise<Transition>;
  /** Map results of chunks [from, from+limit) that are done, in index order, as stored JSON text. */
  readResults(jobId: string, from: number, limit: number): Promise<Array<{ index: number; results: string }>>;
  /** The reduce chunk's stored value, or null. */
  readReduceResult(jobId: string): Promise<string | null>;
  /** Up to `limit` recorded settlements not yet acknowledged, in no particular order, claimed or not. */
  pendingSettlements(limit: number): Promise<Settlement[]>;
  /**
   * Up to `limit` unacknowledged settlements nobody holds a live claim on,
   * now claimed until `now + leaseMs`: what one forwarder sends, so that two
   * never send the same entries. One not acknowledged by then can be claimed again.
   */
  claimSettlements(limit: number, now: number, leaseMs: number): Promise<Settlement[]>;
  /** Forgets settlements that reached the settlement queue. */
  ackSettlements(keys: string[]): Promise<void>;
  /** Validated history of each node asked about (zeros for a node with none). */
  reputations(nodeIds: string[]): Promise<Record<string, NodeReputation>>;
  /** Events with id > afterId, oldest first. */
  readEvents(jobId: string, afterId: number, limit: number): Promise<JobEvent[]>;
  /**
   * The owner and input of the chunk `holder` holds a live lease on (its
   * token, not expired at `now`, the job not final), or null: what lets a
   * gateway serve a binary item's bytes to that node and no other.
   */
  leasedInput(holder: LeaseHolder, now: number): Promise<{ owner: string; input: ChunkInput } | null>;
  /**
   * Retention: deletes up to `limit` finished jobs whose `finishedAt` is at
   * or before `finishedBefore` (the job, its chunks, results, replicas and
   * events; its owner's list no longer shows it) and remembers each as an
   * ExpiredJob; forgets those expired more than `forgetAfterMs` ago. `more`
   * says whether work remains (more jobs due, or a big job's chunks still
   * being deleted, a bounded number per call). The caller deletes the jobs'
   * blobs.
   */
  expireJobs(options: ExpireOptions): Promise<{ expired: ExpiredJob[]; more: boolean }>;
  /** The job if it was expired and is still remembered, else null. */
  expiredJob(jobId: string): Promise<ExpiredJob | null>;
  close(): Promise<void>;
}
