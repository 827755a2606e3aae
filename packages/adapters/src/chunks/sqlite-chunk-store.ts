import { Database, type Statement } from "bun:sqlite";
import {
  ChunkLease, DEFAULT_SPOT_CHECK_RATE, DEFAULT_TRUST_AFTER, JobEvent, isFinal, leaseMsFor, MedusaError, newSecret, notFound, replicasBudgeted,
} from "@medusa/core";
import type {
  ChunkCounts, ChunkError, ChunkStore, CompleteOutcome, CompleteTransition, JobRecord, JobState, LeaseHolder, LeaseOptions, NewChunk, NewJobEvent,
  NodeReputation, Settlement, StoredEvent, Transition,
} from "@medusa/core";
import { disagreement, needsMore, type Tally } from "./replica-votes.ts";
import { SqliteEventLog } from "./sqlite-event-log.ts";
import { finalizeStatements, statements } from "./sqlite-statements.ts";
import { migrateSchema, recordFromRow, SCHEMA, type ChunkRow, type JobRow } from "./sqlite-schema.ts";
import { firstVote, nextQueuePos, SqliteReplicas } from "./sqlite-replicas.ts";
import { SqliteSettlements } from "./sqlite-settlements.ts";

export interface SqliteChunkStoreOptions {
  /** Events kept per job; older ones are deleted. */
  maxEvents?: number;
}

const finalState = (state: string) => isFinal(state as JobState);

/**
 * Chunk state in SQLite for a single machine: each transition is one
 * (immediate) transaction, with the same semantics as the Redis scripts.
 * Unlike Redis, stopping a job clears its queue entries and leases at once,
 * so the sweeper and the lease query never meet them.
 */
export class SqliteChunkStore implements ChunkStore {
  private readonly db: Database;
  private readonly sql: (sql: string) => Statement;
  private readonly log: SqliteEventLog;
  private readonly settlements: SqliteSettlements;
  private readonly replicas: SqliteReplicas;

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
    this.sql = statements(this.db);
    this.settlements = new SqliteSettlements(this.db);
    this.replicas = new SqliteReplicas(this.db);
    this.log = new SqliteEventLog(this.db, options.maxEvents ?? 10_000);
  }

  async createJob(job: JobRecord, now: number): Promise<Transition> {
    return this.transition((events) => {
      if (this.jobRow(job.id)) throw new MedusaError("conflict", `job ${job.id} already exists`);
      this.sql(
          `INSERT INTO jobs (id, owner, name, program, has_reduce, state, items, timeout_ms, max_attempts, replicas, quorum, adaptive, created_at, lease_ms, price, held, spent)
           VALUES (?, ?, ?, ?, ?, 'queued', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)`,
        )
        .run(job.id, job.owner, job.name, JSON.stringify(job.program), job.hasReduce ? 1 : 0, job.items, job.timeoutMs, job.maxAttempts,
          replicasBudgeted(job.replicas), job.quorum, job.replicas === "auto" ? 1 : 0, job.createdAt, leaseMsFor(job.timeoutMs), job.credits.price, job.credits.held);
      this.log.progress(job.id, events);
      return { events };
    });
  }

  async getJob(jobId: string): Promise<JobRecord | null> {
    const row = this.jobRow(jobId);
    return row ? recordFromRow(row) : null;
  }

  async listJobs(owner: string, limit: number): Promise<JobRecord[]> {
    const rows = this.sql("SELECT * FROM jobs WHERE owner = ? ORDER BY created_at DESC, id DESC LIMIT ?")
      .all(owner, Math.max(0, limit)) as JobRow[];
    return rows.map(recordFromRow);
  }

  async addChunks(jobId: string, chunks: NewChunk[], now: number): Promise<Transition & { accepted: boolean }> {
    return this.transition((events) => {
      const job = this.requireJob(jobId);
      if (finalState(job.state)) return { events, accepted: false };
      if (job.sealed) throw new MedusaError("conflict", `job ${jobId} is sealed: no more chunks`);
      const insert = this.sql(
        `INSERT INTO chunks (job_id, idx, task, state, item_offset, item_count, input, wanted, quorum, queue_pos)
         VALUES (?, ?, 'map', 'queued', ?, ?, ?, ?, ?, ?)`,
      );
      const { wanted, quorum } = firstVote(job);
      chunks.forEach((c, i) => insert.run(jobId, job.total + i, c.offset, c.count, JSON.stringify(c.input), wanted, quorum, nextQueuePos(this.sql, "back")));
      this.sql("UPDATE jobs SET total = total + ?, maps = maps + ? WHERE id = ?").run(chunks.length, chunks.length, jobId);
      this.log.progress(jobId, events);
      return { events, accepted: true };
    });
  }

  async sealJob(jobId: string, items: number, now: number): Promise<Transition> {
    return this.transition((events) => {
      const job = this.requireJob(jobId);
      if (finalState(job.state) || job.sealed) return { events };
      this.sql("UPDATE jobs SET sealed = 1, items = ? WHERE id = ?").run(items, jobId);
      if (job.has_reduce) {
        const { wanted, quorum } = firstVote(job);
        this.sql(
            `INSERT INTO chunks (job_id, idx, task, state, item_offset, item_count, input, wanted, quorum)
             VALUES (?, ?, 'reduce', 'waiting', 0, 0, '{"kind":"results"}', ?, ?)`,
          )
          .run(jobId, job.maps, wanted, quorum);
        this.sql("UPDATE jobs SET total = total + 1 WHERE id = ?").run(jobId);
        this.queueReduceIfReady(jobId);
      }
      this.log.progress(jobId, events);
      this.finishIfComplete(jobId, now, events);
      return { events };
    });
  }

  async leaseChunks(nodeId: string, max: number, now: number, options: LeaseOptions = {}): Promise<Transition & { leases: ChunkLease[] }> {
    const owner = options.owner ?? nodeId;
    const random = options.random ?? Math.random;
    const runtimes = options.runtimes ? JSON.stringify(options.runtimes) : null;
    return this.transition((events) => {
      // Chunks this node, or another node of its owner, already works on or answered are not offered again.
      const rows = this.sql(
          `SELECT c.* FROM chunks c JOIN jobs j ON j.id = c.job_id
           WHERE c.queue_pos IS NOT NULL AND j.state IN ('queued', 'running')
             AND (? IS NULL OR json_extract(j.program, '$.runtime') IN (SELECT value FROM json_each(?)))
             AND NOT EXISTS (SELECT 1 FROM replicas r WHERE r.job_id = c.job_id AND r.idx = c.idx AND (r.node_id = ? OR r.owner = ?))
           ORDER BY c.queue_pos LIMIT ?`,
        )
        .all(runtimes, runtimes, nodeId, owner, Math.max(0, max)) as ChunkRow[];
      const trusted = this.replicas.streak(nodeId) >= (options.trustAfter ?? DEFAULT_TRUST_AFTER);
      const leases = rows.map((c) => {
        const job = this.requireJob(c.job_id);
        const alone = trusted && random() >= (options.spotCheckRate ?? DEFAULT_SPOT_CHECK_RATE);
        if (job.adaptive) this.replicas.decideQuorum(c, alone);
        const lease = ChunkLease.parse({
          jobId: c.job_id,
          index: c.idx,
          token: newSecret("lease"),
          task: c.task,
          attempt: c.attempts + 1,
          offset: c.item_offset,
          input: JSON.parse(c.input),
          expiresAt: now + job.lease_ms,
        });
        this.sql("UPDATE chunks SET attempts = attempts + 1 WHERE job_id = ? AND idx = ?").run(c.job_id, c.idx);
        this.replicas.lease(c.job_id, c.idx, nodeId, owner, lease.token, lease.expiresAt);
        this.replicas.syncQueue(c.job_id, c.idx);
        this.sql("UPDATE jobs SET running = running + 1 WHERE id = ?").run(c.job_id);
        if (job.state === "queued") {
          this.sql("UPDATE jobs SET state = 'running' WHERE id = ?").run(c.job_id);
          this.log.progress(c.job_id, events);
        }
        return lease;
      });
      return { events, leases };
    });
  }

  async completeChunk(holder: LeaseHolder, results: string, now: number, hash = results): Promise<CompleteTransition> {
    return this.transition((events) => {
      const held = this.heldChunk(holder);
      if (held !== "ok") return { events, outcome: held, disagreed: [] };
      this.replicas.answer(holder, hash, results);
      this.sql("UPDATE jobs SET running = running - 1 WHERE id = ?").run(holder.jobId);
      const c = this.chunkRow(holder.jobId, holder.index)!;
      const tally = this.replicas.tally(holder.jobId, holder.index);
      const agreeing = tally.groups.get(hash)!;
      if (agreeing.length >= c.quorum) return { events, outcome: "accepted" as const, disagreed: this.accept(c, holder, hash, tally, now, events) };
      const job = this.requireJob(holder.jobId);
      const more = needsMore(tally, c.wanted, c.quorum, job.replicas + job.quorum);
      if (more === "give_up") {
        this.sql("UPDATE chunks SET state = 'failed', queue_pos = NULL WHERE job_id = ? AND idx = ?").run(holder.jobId, holder.index);
        this.finishJob(holder.jobId, "failed", now, disagreement(c.task, c.idx, tally, c.quorum, job.replicas + job.quorum), events);
        return { events, outcome: "rejected" as const, disagreed: [] };
      }
      this.sql("UPDATE chunks SET wanted = wanted + ? WHERE job_id = ? AND idx = ?").run(more, holder.jobId, holder.index);
      this.replicas.syncQueue(holder.jobId, holder.index);
      this.log.progress(holder.jobId, events);
      return { events, outcome: "pending" as const, disagreed: [] };
    });
  }

  async failChunk(holder: LeaseHolder, error: ChunkError, now: number): Promise<Transition & { outcome: CompleteOutcome }> {
    return this.transition((events) => {
      const held = this.heldChunk(holder);
      if (held !== "ok") return { events, outcome: held };
      this.replicas.drop(holder.jobId, holder.index, holder.nodeId);
      this.replicas.resetStreak(holder.nodeId);
      this.requeueOrFail(holder.jobId, holder.index, error, now, events);
      return { events, outcome: "accepted" as const };
    });
  }

  async requeueExpired(now: number, limit: number): Promise<Transition & { requeued: number }> {
    return this.transition((events) => {
      const rows = this.replicas.expired(now, limit);
      let requeued = 0;
      for (const r of rows) {
        // An earlier expiry in this sweep may have failed the job, which dropped its other leases.
        if (!this.replicas.holds({ jobId: r.job_id, index: r.idx, nodeId: r.node_id, token: r.token! })) continue;
        this.replicas.drop(r.job_id, r.idx, r.node_id);
        this.replicas.resetStreak(r.node_id);
        requeued += 1;
        this.requeueOrFail(r.job_id, r.idx, { message: `lease expired on node ${r.node_id}` }, now, events);
      }
      return { events, requeued };
    });
  }

  async releaseNode(nodeId: string, now: number): Promise<Transition & { requeued: number }> {
    return this.transition((events) => {
      const rows = this.replicas.leasedBy(nodeId);
      const affected = new Set<string>();
      for (const r of rows) {
        this.replicas.drop(r.job_id, r.idx, nodeId);
        this.sql("UPDATE chunks SET attempts = attempts - 1 WHERE job_id = ? AND idx = ?").run(r.job_id, r.idx);
        this.replicas.syncQueue(r.job_id, r.idx);
        this.sql("UPDATE jobs SET running = running - 1, failed = failed + 1 WHERE id = ?").run(r.job_id);
        affected.add(r.job_id);
      }
      for (const jobId of [...affected].reverse()) this.log.progress(jobId, events);
      return { events, requeued: rows.length };
    });
  }

  cancelJob(jobId: string, now: number): Promise<Transition> {
    return this.stopJob(jobId, "cancelled", now);
  }

  failJob(jobId: string, error: string, now: number): Promise<Transition> {
    return this.stopJob(jobId, "failed", now, error);
  }

  async readResults(jobId: string, from: number, limit: number): Promise<Array<{ index: number; results: string }>> {
    const rows = this.sql(
        `SELECT idx, results FROM chunks WHERE job_id = ? AND task = 'map' AND state = 'done' AND idx >= ? AND idx < ?
         ORDER BY idx`,
      )
      .all(jobId, from, from + Math.max(0, limit)) as Array<{ idx: number; results: string }>;
    return rows.map((r) => ({ index: r.idx, results: r.results }));
  }

  async readReduceResult(jobId: string): Promise<string | null> {
    const row = this.sql("SELECT results FROM chunks WHERE job_id = ? AND task = 'reduce' AND state = 'done'").get(jobId) as
      | { results: string }
      | null;
    return row?.results ?? null;
  }

  async readEvents(jobId: string, afterId: number, limit: number): Promise<JobEvent[]> {
    return this.log.read(jobId, afterId, limit);
  }

  async reputations(nodeIds: string[]): Promise<Record<string, NodeReputation>> {
    return this.replicas.reputations(nodeIds);
  }

  async pendingSettlements(limit: number): Promise<Settlement[]> {
    // A payout must not reach the ledger while the acceptance that earned it
    // could still vanish in a power loss: a checkpoint syncs the WAL first.
    const pending = this.settlements.pending(limit);
    if (pending.length > 0) this.db.exec("PRAGMA wal_checkpoint(PASSIVE)");
    return pending;
  }

  async ackSettlements(keys: string[]): Promise<void> {
    this.settlements.ack(keys);
  }

  async close(): Promise<void> {
    finalizeStatements(this.db);
    this.db.close();
  }

  private transition<T>(body: (events: StoredEvent[]) => T): Promise<T> {
    try {
      return Promise.resolve(this.db.transaction(() => body([])).immediate());
    } catch (err) {
      return Promise.reject(err);
    }
  }

  private stopJob(jobId: string, state: "cancelled" | "failed", now: number, error?: string): Promise<Transition> {
    return this.transition((events) => {
      const job = this.requireJob(jobId);
      if (!finalState(job.state)) this.finishJob(jobId, state, now, error, events);
      return { events };
    });
  }

  private jobRow(jobId: string): JobRow | null {
    return this.sql("SELECT * FROM jobs WHERE id = ?").get(jobId) as JobRow | null;
  }

  private requireJob(jobId: string): JobRow {
    const row = this.jobRow(jobId);
    if (!row) throw notFound(`job ${jobId}`);
    return row;
  }

  private chunkRow(jobId: string, index: number): ChunkRow | null {
    return this.sql("SELECT * FROM chunks WHERE job_id = ? AND idx = ?").get(jobId, index) as ChunkRow | null;
  }

  /** Whether `holder` may complete or fail its chunk; a final job's lease is cleared either way. */
  private heldChunk(holder: LeaseHolder): "ok" | "stale" | "job_final" {
    const job = this.jobRow(holder.jobId);
    if (!job) return "stale";
    const holds = this.replicas.holds(holder);
    if (finalState(job.state)) {
      if (holds) this.replicas.drop(holder.jobId, holder.index, holder.nodeId);
      return "job_final";
    }
    return holds ? "ok" : "stale";
  }

  /**
   * The `hash` group reached the chunk's quorum: the chunk is done with that
   * result, leases still out on it go stale, agreeing nodes are paid (or, for
   * a result accepted alone in an "auto" job, owed) and, when the result was
   * compared at all, every answer counts for or against its node's record.
   * Returns the nodes caught disagreeing.
   */
  private accept(c: ChunkRow, holder: LeaseHolder, hash: string, tally: Tally, now: number, events: StoredEvent[]): string[] {
    const { job_id: jobId, idx } = c;
    const job = this.requireJob(jobId);
    const text = this.replicas.resultText(jobId, idx, holder.nodeId);
    this.sql("UPDATE chunks SET state = 'done', results = ?, queue_pos = NULL WHERE job_id = ? AND idx = ?").run(text, jobId, idx);
    this.sql("UPDATE jobs SET running = running - ?, done = done + 1 WHERE id = ?").run(tally.leased.length, jobId);
    this.replicas.clearChunk(jobId, idx);
    const validated = c.quorum >= 2;
    const caught: string[] = [];
    for (const [groupHash, nodes] of tally.groups) {
      for (const nodeId of nodes) {
        if (groupHash !== hash) {
          this.replicas.disagreed(nodeId);
          this.settlements.forfeitUnpaid(jobId, nodeId);
          caught.push(nodeId);
        } else if (validated) {
          this.replicas.agreed(nodeId);
          this.settlements.recordPayout(jobId, idx, nodeId);
        } else if (job.adaptive) this.settlements.recordUnpaid(jobId, idx, nodeId);
        else this.settlements.recordPayout(jobId, idx, nodeId);
      }
    }
    const task = c.task as "map" | "reduce";
    this.log.append(jobId, { type: "chunk", index: idx, task, nodeId: holder.nodeId, chunks: this.log.counts(jobId) }, events);
    if (task === "map") this.queueReduceIfReady(jobId);
    this.finishIfComplete(jobId, now, events);
    return caught;
  }

  /** A failed or cancelled job keeps no running chunks, queue entries or leases. */
  private finishJob(jobId: string, state: "done" | "failed" | "cancelled", now: number, error: string | undefined, events: StoredEvent[]): void {
    this.sql("UPDATE jobs SET state = ?, finished_at = ?, error = COALESCE(?, error) WHERE id = ?").run(state, now, error ?? null, jobId);
    if (state !== "done") {
      this.sql("UPDATE jobs SET running = 0 WHERE id = ?").run(jobId);
      this.sql("UPDATE chunks SET queue_pos = NULL WHERE job_id = ? AND queue_pos IS NOT NULL").run(jobId);
      this.replicas.clearJob(jobId);
    }
    this.settlements.payUnpaid(jobId);
    this.settlements.recordRefund(jobId);
    const chunks = this.log.counts(jobId);
    if (state === "failed") this.log.append(jobId, { type: "failed", error: error ?? "", chunks }, events);
    else this.log.append(jobId, { type: state, chunks }, events);
  }

  private queueReduceIfReady(jobId: string): void {
    const job = this.requireJob(jobId);
    if (!job.has_reduce || !job.sealed || job.reduce_queued || job.done !== job.maps) return;
    this.sql("UPDATE jobs SET reduce_queued = 1 WHERE id = ?").run(jobId);
    this.sql("UPDATE chunks SET state = 'queued' WHERE job_id = ? AND idx = ?").run(jobId, job.maps);
    this.replicas.syncQueue(jobId, job.maps);
  }

  private finishIfComplete(jobId: string, now: number, events: StoredEvent[]): void {
    const job = this.requireJob(jobId);
    if (job.sealed && job.done === job.total) this.finishJob(jobId, "done", now, undefined, events);
  }

  /** A lease ended without a result: the chunk wants another replica, or has failed too often and fails its job. */
  private requeueOrFail(jobId: string, index: number, error: ChunkError, now: number, events: StoredEvent[]): void {
    this.sql("UPDATE jobs SET running = running - 1, failed = failed + 1 WHERE id = ?").run(jobId);
    this.sql("UPDATE chunks SET failures = failures + 1 WHERE job_id = ? AND idx = ?").run(jobId, index);
    const c = this.chunkRow(jobId, index)!;
    const job = this.requireJob(jobId);
    if (c.failures < job.max_attempts) {
      this.replicas.syncQueue(jobId, index);
      this.log.progress(jobId, events);
      return;
    }
    const item = error.itemIndex === undefined ? "" : `item ${c.item_offset + error.itemIndex}: `;
    const times = c.failures === 1 ? "once" : `${c.failures} times`;
    const what = c.task === "reduce" ? `reduce failed ${times}: ` : `chunk ${index} failed ${times}: ${item}`;
    this.sql("UPDATE chunks SET state = 'failed' WHERE job_id = ? AND idx = ?").run(jobId, index);
    this.finishJob(jobId, "failed", now, what + error.message, events);
  }
}

