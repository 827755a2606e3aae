import { Database } from "bun:sqlite";
import type {
  BatchTransition, ChunkError, ChunkInput, ChunkResult, ChunkLease, ChunkStore, CompleteOutcome, CompleteTransition, DueSplit, ExpiredJob, ExpireOptions, JobEvent, JobRecord, LeaseHolder, LeaseOptions,
  NewChunk, NodeReputation, Settlement, SplitBatch, SplitClaim, SplitTask, Transition,
} from "@medusa/core";
import { completeChunk } from "./sqlite-complete-chunk.ts";
import { completeChunks } from "./sqlite-complete-chunks.ts";
import { SqliteEventLog } from "./sqlite-event-log.ts";
import { jobRow, type SqliteParts, type Tx } from "./sqlite-job-state.ts";
import { addChunks, createJob, sealJob, stopJob } from "./sqlite-job-transitions.ts";
import { failChunk, leaseChunks, releaseNode, renewLeases, requeueExpired } from "./sqlite-lease-transitions.ts";
import { SqliteReplicas } from "./sqlite-replicas.ts";
import { expiredJob, expireJobs, leasedInput } from "./sqlite-retention.ts";
import { migrateSchema, recordFromRow, SCHEMA, type JobRow } from "./sqlite-schema.ts";
import { SqliteSettlements } from "./sqlite-settlements.ts";
import { claimSplit, releaseSplit, renewSplit, requeueExpiredSplits } from "./sqlite-splits.ts";
import { finalizeStatements, statements } from "./sqlite-statements.ts";

export interface SqliteChunkStoreOptions {
  /** Events kept per job; older ones are deleted. */
  maxEvents?: number;
}

/**
 * Chunk state in SQLite for a single machine: each transition is one
 * (immediate) transaction, with the same semantics as the Redis scripts; the
 * transitions live beside this file, one module per concept (a job's own,
 * leases, completing a chunk), as the scripts live in ./lua. Unlike Redis,
 * stopping a job clears its queue entries and leases at once, so the sweeper
 * and the lease query never meet them.
 */
export class SqliteChunkStore implements ChunkStore {
  private readonly db: Database;
  private readonly parts: SqliteParts;

  constructor(path: string | ":memory:", options: SqliteChunkStoreOptions = {}) {
    this.db = new Database(path, { create: true });
    this.db.exec("PRAGMA journal_mode = WAL");
    // Commits survive a crash of this process without an fsync each (2.7 ms here,
    // five of them per one-chunk job); only a power loss can undo the newest
    // ones, and their chunks then run again. What leaves this store for good —
    // settlements — is synced first (pendingSettlements).
    this.db.exec("PRAGMA synchronous = NORMAL");
    this.db.exec("PRAGMA busy_timeout = 5000");
    this.db.exec(SCHEMA);
    migrateSchema(this.db);
    this.parts = {
      sql: statements(this.db),
      settlements: new SqliteSettlements(this.db),
      replicas: new SqliteReplicas(this.db),
      log: new SqliteEventLog(this.db, options.maxEvents ?? 10_000),
    };
  }

  createJob(job: JobRecord, now: number, split?: SplitTask): Promise<Transition> {
    return this.transition((tx) => createJob(this.parts, tx, job, now, split));
  }

  async getJob(jobId: string): Promise<JobRecord | null> {
    const row = jobRow(this.parts, jobId);
    return row ? recordFromRow(row) : null;
  }

  async listJobs(owner: string, limit: number, before?: string): Promise<JobRecord[]> {
    const rows = (
      before === undefined
        ? this.parts.sql("SELECT * FROM jobs WHERE owner = ? ORDER BY created_at DESC, id DESC LIMIT ?").all(owner, Math.max(0, limit))
        : this.parts.sql(
            `SELECT * FROM jobs WHERE owner = ?
               AND (created_at, id) < (SELECT created_at, id FROM jobs WHERE id = ? AND owner = ?)
             ORDER BY created_at DESC, id DESC LIMIT ?`,
          ).all(owner, before, owner, Math.max(0, limit))
    ) as JobRow[];
    return rows.map(recordFromRow);
  }

  addChunks(jobId: string, chunks: NewChunk[], batch?: SplitBatch): Promise<Transition & { accepted: boolean }> {
    return this.transition((tx) => ({ accepted: addChunks(this.parts, tx, jobId, chunks, batch) }));
  }

  sealJob(jobId: string, items: number, now: number, token?: string): Promise<Transition> {
    return this.transition((tx) => sealJob(this.parts, tx, jobId, items, now, token));
  }

  async claimSplit(jobId: string, holder: string, now: number, leaseMs: number): Promise<SplitClaim | null> {
    return (await this.transition(() => ({ claim: claimSplit(this.parts, jobId, holder, now, leaseMs) }))).claim;
  }

  async renewSplit(jobId: string, token: string, now: number, leaseMs: number): Promise<boolean> {
    return (await this.transition(() => ({ held: renewSplit(this.parts, jobId, token, now, leaseMs) }))).held;
  }

  async releaseSplit(jobId: string, token: string, now: number, error?: string): Promise<void> {
    await this.transition(() => releaseSplit(this.parts, jobId, token, now, error));
  }

  requeueExpiredSplits(now: number, limit: number, dueMs: number): Promise<Transition & { due: DueSplit[] }> {
    return this.transition((tx) => ({ due: requeueExpiredSplits(this.parts, tx, now, limit, dueMs) }));
  }

  leaseChunks(nodeId: string, max: number, now: number, options: LeaseOptions = {}): Promise<Transition & { leases: ChunkLease[] }> {
    return this.transition((tx) => ({ leases: leaseChunks(this.parts, tx, nodeId, max, now, options) }));
  }

  completeChunk(holder: LeaseHolder, results: string, now: number, hash = results): Promise<CompleteTransition> {
    return this.transition((tx) => completeChunk(this.parts, tx, holder, results, now, hash));
  }

  completeChunks(results: ChunkResult[], now: number): Promise<BatchTransition> {
    return this.transition((tx) => completeChunks(this.parts, tx, results, now));
  }

  failChunk(holder: LeaseHolder, error: ChunkError, now: number): Promise<Transition & { outcome: CompleteOutcome }> {
    return this.transition((tx) => ({ outcome: failChunk(this.parts, tx, holder, error, now) }));
  }

  async renewLeases(holders: LeaseHolder[], now: number, leaseMs: number): Promise<{ renewed: number }> {
    return { renewed: (await this.transition(() => ({ renewed: renewLeases(this.parts, holders, now, leaseMs) }))).renewed };
  }

  requeueExpired(now: number, limit: number): Promise<Transition & { requeued: number }> {
    return this.transition((tx) => ({ requeued: requeueExpired(this.parts, tx, now, limit) }));
  }

  releaseNode(nodeId: string, now: number): Promise<Transition & { requeued: number }> {
    return this.transition((tx) => ({ requeued: releaseNode(this.parts, tx, nodeId, now) }));
  }

  cancelJob(jobId: string, now: number): Promise<Transition> {
    return this.transition((tx) => stopJob(this.parts, tx, jobId, "cancelled", now));
  }

  failJob(jobId: string, error: string, now: number): Promise<Transition> {
    return this.transition((tx) => stopJob(this.parts, tx, jobId, "failed", now, error));
  }

  async readResults(jobId: string, from: number, limit: number): Promise<Array<{ index: number; results: string }>> {
    const rows = this.parts.sql(
      `SELECT idx, results FROM chunks WHERE job_id = ? AND task = 'map' AND state = 'done' AND idx >= ? AND idx < ?
       ORDER BY idx`,
    ).all(jobId, from, from + Math.max(0, limit)) as Array<{ idx: number; results: string }>;
    return rows.map((r) => ({ index: r.idx, results: r.results }));
  }

  async readReduceResult(jobId: string): Promise<string | null> {
    const row = this.parts.sql("SELECT results FROM chunks WHERE job_id = ? AND task = 'reduce' AND state = 'done'").get(jobId) as { results: string } | null;
    return row?.results ?? null;
  }

  async readEvents(jobId: string, afterId: number, limit: number): Promise<JobEvent[]> {
    return this.parts.log.read(jobId, afterId, limit);
  }

  async reputations(nodeIds: string[]): Promise<Record<string, NodeReputation>> {
    return this.parts.replicas.reputations(nodeIds);
  }

  async pendingSettlements(limit: number): Promise<Settlement[]> {
    // A payout must not reach the ledger while the acceptance that earned it
    // could still vanish in a power loss: a checkpoint syncs the WAL first.
    const pending = this.parts.settlements.pending(limit);
    if (pending.length > 0) this.db.exec("PRAGMA wal_checkpoint(PASSIVE)");
    return pending;
  }

  async claimSettlements(limit: number, now: number, leaseMs: number): Promise<Settlement[]> {
    const { claimed } = await this.transition(() => ({ claimed: this.parts.settlements.claim(limit, now, leaseMs) }));
    // As for pendingSettlements: synced before any of it can reach the ledger.
    if (claimed.length > 0) this.db.exec("PRAGMA wal_checkpoint(PASSIVE)");
    return claimed;
  }

  async ackSettlements(keys: string[]): Promise<void> {
    this.parts.settlements.ack(keys);
  }

  async leasedInput(holder: LeaseHolder, now: number): Promise<{ owner: string; input: ChunkInput } | null> {
    return leasedInput(this.parts, holder, now);
  }

  async expireJobs(options: ExpireOptions): Promise<{ expired: ExpiredJob[]; more: boolean }> {
    return expireJobs(this.db, this.parts, options);
  }

  async expiredJob(jobId: string): Promise<ExpiredJob | null> {
    return expiredJob(this.parts, jobId);
  }

  async close(): Promise<void> {
    finalizeStatements(this.db);
    this.db.close();
  }

  /** Runs `body` as one immediate transaction; its result carries the events appended and the chunks queued. */
  private transition<R extends object | void>(body: (tx: Tx) => R): Promise<(R extends void ? unknown : R) & Transition> {
    try {
      const run = this.db.transaction(() => {
        const tx: Tx = { events: [], queued: 0 };
        return { ...(body(tx) ?? {}), events: tx.events, queued: tx.queued };
      });
      return Promise.resolve(run.immediate() as (R extends void ? unknown : R) & Transition);
    } catch (err) {
      return Promise.reject(err);
    }
  }
}
