import { Database } from "bun:sqlite";
import { ChunkLease, JobEvent, isFinal, leaseMsFor, MedusaError, newSecret, notFound } from "@medusa/core";
import type {
  ChunkCounts, ChunkError, ChunkStore, CompleteOutcome, JobRecord, JobState, LeaseHolder, NewChunk, NewJobEvent, Settlement, StoredEvent, Transition,
} from "@medusa/core";
import { SCHEMA, recordFromRow, type ChunkRow, type JobRow } from "./sqlite-schema.ts";
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
  private readonly maxEvents: number;
  private readonly settlements: SqliteSettlements;

  constructor(path: string | ":memory:", options: SqliteChunkStoreOptions = {}) {
    this.db = new Database(path, { create: true });
    this.db.exec("PRAGMA journal_mode = WAL");
    this.db.exec("PRAGMA busy_timeout = 5000");
    this.db.exec(SCHEMA);
    SqliteSettlements.migrate(this.db);
    this.settlements = new SqliteSettlements(this.db);
    this.maxEvents = options.maxEvents ?? 10_000;
  }

  async createJob(job: JobRecord, now: number): Promise<Transition> {
    return this.transition((events) => {
      if (this.jobRow(job.id)) throw new MedusaError("conflict", `job ${job.id} already exists`);
      this.db
        .query(
          `INSERT INTO jobs (id, owner, name, program, has_reduce, state, items, timeout_ms, max_attempts, replicas, created_at, lease_ms, price, held, spent)
           VALUES (?, ?, ?, ?, ?, 'queued', ?, ?, ?, ?, ?, ?, ?, ?, 0)`,
        )
        .run(job.id, job.owner, job.name, JSON.stringify(job.program), job.hasReduce ? 1 : 0, job.items, job.timeoutMs,
          job.maxAttempts, job.replicas, job.createdAt, leaseMsFor(job.timeoutMs), job.credits.price, job.credits.held);
      this.appendProgress(job.id, events);
      return { events };
    });
  }

  async getJob(jobId: string): Promise<JobRecord | null> {
    const row = this.jobRow(jobId);
    return row ? recordFromRow(row) : null;
  }

  async listJobs(owner: string, limit: number): Promise<JobRecord[]> {
    const rows = this.db
      .query("SELECT * FROM jobs WHERE owner = ? ORDER BY created_at DESC, id DESC LIMIT ?")
      .all(owner, Math.max(0, limit)) as JobRow[];
    return rows.map(recordFromRow);
  }

  async addChunks(jobId: string, chunks: NewChunk[], now: number): Promise<Transition & { accepted: boolean }> {
    return this.transition((events) => {
      const job = this.requireJob(jobId);
      if (finalState(job.state)) return { events, accepted: false };
      if (job.sealed) throw new MedusaError("conflict", `job ${jobId} is sealed: no more chunks`);
      const insert = this.db.query(
        `INSERT INTO chunks (job_id, idx, task, state, item_offset, item_count, input, queue_pos)
         VALUES (?, ?, 'map', 'queued', ?, ?, ?, ?)`,
      );
      chunks.forEach((c, i) => insert.run(jobId, job.total + i, c.offset, c.count, JSON.stringify(c.input), this.nextQueuePos("back")));
      this.db.query("UPDATE jobs SET total = total + ?, maps = maps + ? WHERE id = ?").run(chunks.length, chunks.length, jobId);
      this.appendProgress(jobId, events);
      return { events, accepted: true };
    });
  }

  async sealJob(jobId: string, items: number, now: number): Promise<Transition> {
    return this.transition((events) => {
      const job = this.requireJob(jobId);
      if (finalState(job.state) || job.sealed) return { events };
      this.db.query("UPDATE jobs SET sealed = 1, items = ? WHERE id = ?").run(items, jobId);
      if (job.has_reduce) {
        this.db
          .query(
            `INSERT INTO chunks (job_id, idx, task, state, item_offset, item_count, input)
             VALUES (?, ?, 'reduce', 'waiting', 0, 0, '{"kind":"results"}')`,
          )
          .run(jobId, job.maps);
        this.db.query("UPDATE jobs SET total = total + 1 WHERE id = ?").run(jobId);
        this.queueReduceIfReady(jobId);
      }
      this.appendProgress(jobId, events);
      this.finishIfComplete(jobId, now, events);
      return { events };
    });
  }

  async leaseChunks(nodeId: string, max: number, now: number): Promise<Transition & { leases: ChunkLease[] }> {
    return this.transition((events) => {
      const rows = this.db
        .query(
          `SELECT c.* FROM chunks c JOIN jobs j ON j.id = c.job_id
           WHERE c.queue_pos IS NOT NULL AND j.state IN ('queued', 'running') ORDER BY c.queue_pos LIMIT ?`,
        )
        .all(Math.max(0, max)) as ChunkRow[];
      const leases = rows.map((c) => {
        const job = this.requireJob(c.job_id);
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
        this.db
          .query(
            `UPDATE chunks SET state = 'leased', attempts = attempts + 1, token = ?, node_id = ?, expires_at = ?, queue_pos = NULL
             WHERE job_id = ? AND idx = ?`,
          )
          .run(lease.token, nodeId, lease.expiresAt, c.job_id, c.idx);
        this.db.query("UPDATE jobs SET running = running + 1 WHERE id = ?").run(c.job_id);
        if (job.state === "queued") {
          this.db.query("UPDATE jobs SET state = 'running' WHERE id = ?").run(c.job_id);
          this.appendProgress(c.job_id, events);
        }
        return lease;
      });
      return { events, leases };
    });
  }

  async completeChunk(holder: LeaseHolder, results: string, now: number): Promise<Transition & { outcome: CompleteOutcome }> {
    return this.transition((events) => {
      const held = this.heldChunk(holder);
      if (held !== "ok") return { events, outcome: held };
      this.dropLease(holder.jobId, holder.index);
      this.db.query("UPDATE chunks SET state = 'done', results = ? WHERE job_id = ? AND idx = ?").run(results, holder.jobId, holder.index);
      this.db.query("UPDATE jobs SET running = running - 1, done = done + 1 WHERE id = ?").run(holder.jobId);
      this.settlements.recordPayout(holder.jobId, holder.index, holder.nodeId);
      const task = this.chunkRow(holder.jobId, holder.index)!.task as "map" | "reduce";
      const chunks = this.counts(holder.jobId);
      this.appendEvent(holder.jobId, { type: "chunk", index: holder.index, task, nodeId: holder.nodeId, chunks }, events);
      if (task === "map") this.queueReduceIfReady(holder.jobId);
      this.finishIfComplete(holder.jobId, now, events);
      return { events, outcome: "accepted" as const };
    });
  }

  async failChunk(holder: LeaseHolder, error: ChunkError, now: number): Promise<Transition & { outcome: CompleteOutcome }> {
    return this.transition((events) => {
      const held = this.heldChunk(holder);
      if (held !== "ok") return { events, outcome: held };
      this.dropLease(holder.jobId, holder.index);
      this.requeueOrFail(holder.jobId, holder.index, error, now, events);
      return { events, outcome: "accepted" as const };
    });
  }

  async requeueExpired(now: number, limit: number): Promise<Transition & { requeued: number }> {
    return this.transition((events) => {
      const rows = this.db
        .query("SELECT * FROM chunks WHERE expires_at IS NOT NULL AND expires_at <= ? ORDER BY expires_at LIMIT ?")
        .all(now, Math.max(0, limit)) as ChunkRow[];
      for (const c of rows) {
        this.dropLease(c.job_id, c.idx);
        this.requeueOrFail(c.job_id, c.idx, { message: `lease expired on node ${c.node_id}` }, now, events);
      }
      return { events, requeued: rows.length };
    });
  }

  async releaseNode(nodeId: string, now: number): Promise<Transition & { requeued: number }> {
    return this.transition((events) => {
      // Pushed to the front last-first, so each job's chunks stay in index order.
      const rows = this.db
        .query("SELECT * FROM chunks WHERE node_id = ? AND state = 'leased' ORDER BY job_id DESC, idx DESC")
        .all(nodeId) as ChunkRow[];
      const affected = new Set<string>();
      for (const c of rows) {
        this.dropLease(c.job_id, c.idx);
        this.db
          .query("UPDATE chunks SET state = 'queued', attempts = attempts - 1, queue_pos = ? WHERE job_id = ? AND idx = ?")
          .run(this.nextQueuePos("front"), c.job_id, c.idx);
        this.db.query("UPDATE jobs SET running = running - 1, failed = failed + 1 WHERE id = ?").run(c.job_id);
        affected.add(c.job_id);
      }
      for (const jobId of [...affected].reverse()) this.appendProgress(jobId, events);
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
    const rows = this.db
      .query(
        `SELECT idx, results FROM chunks WHERE job_id = ? AND task = 'map' AND state = 'done' AND idx >= ? AND idx < ?
         ORDER BY idx`,
      )
      .all(jobId, from, from + Math.max(0, limit)) as Array<{ idx: number; results: string }>;
    return rows.map((r) => ({ index: r.idx, results: r.results }));
  }

  async readReduceResult(jobId: string): Promise<string | null> {
    const row = this.db.query("SELECT results FROM chunks WHERE job_id = ? AND task = 'reduce' AND state = 'done'").get(jobId) as
      | { results: string }
      | null;
    return row?.results ?? null;
  }

  async readEvents(jobId: string, afterId: number, limit: number): Promise<JobEvent[]> {
    const rows = this.db
      .query("SELECT body FROM events WHERE job_id = ? AND id > ? ORDER BY id LIMIT ?")
      .all(jobId, afterId, Math.max(0, limit)) as Array<{ body: string }>;
    return rows.map((r) => JobEvent.parse(JSON.parse(r.body)));
  }

  async pendingSettlements(limit: number): Promise<Settlement[]> {
    return this.settlements.pending(limit);
  }

  async ackSettlements(keys: string[]): Promise<void> {
    this.settlements.ack(keys);
  }

  async close(): Promise<void> {
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
    return this.db.query("SELECT * FROM jobs WHERE id = ?").get(jobId) as JobRow | null;
  }

  private requireJob(jobId: string): JobRow {
    const row = this.jobRow(jobId);
    if (!row) throw notFound(`job ${jobId}`);
    return row;
  }

  private chunkRow(jobId: string, index: number): ChunkRow | null {
    return this.db.query("SELECT * FROM chunks WHERE job_id = ? AND idx = ?").get(jobId, index) as ChunkRow | null;
  }

  private counts(jobId: string): ChunkCounts {
    return this.db.query("SELECT total, done, running, failed FROM jobs WHERE id = ?").get(jobId) as ChunkCounts;
  }

  /** Whether `holder` may complete or fail its chunk; a final job's lease is cleared either way. */
  private heldChunk(holder: LeaseHolder): "ok" | "stale" | "job_final" {
    const job = this.jobRow(holder.jobId);
    if (!job) return "stale";
    const c = this.chunkRow(holder.jobId, holder.index);
    const holds = c?.state === "leased" && c.token === holder.token && c.node_id === holder.nodeId;
    if (finalState(job.state)) {
      if (holds) this.dropLease(holder.jobId, holder.index);
      return "job_final";
    }
    return holds ? "ok" : "stale";
  }

  private dropLease(jobId: string, index: number): void {
    this.db.query("UPDATE chunks SET token = NULL, node_id = NULL, expires_at = NULL WHERE job_id = ? AND idx = ?").run(jobId, index);
  }

  private nextQueuePos(end: "front" | "back"): number {
    const sql = end === "front" ? "UPDATE queue_ends SET front = front - 1 RETURNING front AS pos" : "UPDATE queue_ends SET back = back + 1 RETURNING back AS pos";
    return (this.db.query(sql).get() as { pos: number }).pos;
  }

  private appendEvent(jobId: string, event: NewJobEvent, events: StoredEvent[]): void {
    const { id } = this.db.query("UPDATE jobs SET event_seq = event_seq + 1 WHERE id = ? RETURNING event_seq AS id").get(jobId) as { id: number };
    const numbered = JobEvent.parse({ ...event, id });
    this.db.query("INSERT INTO events (job_id, id, body) VALUES (?, ?, ?)").run(jobId, id, JSON.stringify(numbered));
    this.db.query("DELETE FROM events WHERE job_id = ? AND id <= ?").run(jobId, id - this.maxEvents);
    events.push({ jobId, event: numbered });
  }

  private appendProgress(jobId: string, events: StoredEvent[]): void {
    const job = this.requireJob(jobId);
    const chunks = { total: job.total, done: job.done, running: job.running, failed: job.failed };
    this.appendEvent(jobId, { type: "progress", state: job.state as JobState, chunks, sealed: job.sealed === 1 }, events);
  }

  /** A failed or cancelled job keeps no running chunks, queue entries or leases. */
  private finishJob(jobId: string, state: "done" | "failed" | "cancelled", now: number, error: string | undefined, events: StoredEvent[]): void {
    this.db.query("UPDATE jobs SET state = ?, finished_at = ?, error = COALESCE(?, error) WHERE id = ?").run(state, now, error ?? null, jobId);
    if (state !== "done") {
      this.db.query("UPDATE jobs SET running = 0 WHERE id = ?").run(jobId);
      this.db
        .query("UPDATE chunks SET queue_pos = NULL, token = NULL, node_id = NULL, expires_at = NULL WHERE job_id = ? AND (queue_pos IS NOT NULL OR token IS NOT NULL)")
        .run(jobId);
    }
    this.settlements.recordRefund(jobId);
    const chunks = this.counts(jobId);
    if (state === "failed") this.appendEvent(jobId, { type: "failed", error: error ?? "", chunks }, events);
    else this.appendEvent(jobId, { type: state, chunks }, events);
  }

  private queueReduceIfReady(jobId: string): void {
    const job = this.requireJob(jobId);
    if (!job.has_reduce || !job.sealed || job.reduce_queued || job.done !== job.maps) return;
    this.db.query("UPDATE jobs SET reduce_queued = 1 WHERE id = ?").run(jobId);
    this.db.query("UPDATE chunks SET state = 'queued', queue_pos = ? WHERE job_id = ? AND idx = ?").run(this.nextQueuePos("front"), jobId, job.maps);
  }

  private finishIfComplete(jobId: string, now: number, events: StoredEvent[]): void {
    const job = this.requireJob(jobId);
    if (job.sealed && job.done === job.total) this.finishJob(jobId, "done", now, undefined, events);
  }

  private requeueOrFail(jobId: string, index: number, error: ChunkError, now: number, events: StoredEvent[]): void {
    this.db.query("UPDATE jobs SET running = running - 1, failed = failed + 1 WHERE id = ?").run(jobId);
    const c = this.chunkRow(jobId, index)!;
    const job = this.requireJob(jobId);
    if (c.attempts < job.max_attempts) {
      this.db.query("UPDATE chunks SET state = 'queued', queue_pos = ? WHERE job_id = ? AND idx = ?").run(this.nextQueuePos("front"), jobId, index);
      this.appendProgress(jobId, events);
      return;
    }
    const item = error.itemIndex === undefined ? "" : `item ${c.item_offset + error.itemIndex}: `;
    const what = c.task === "reduce" ? `reduce failed ${c.attempts} times: ` : `chunk ${index} failed ${c.attempts} times: ${item}`;
    this.db.query("UPDATE chunks SET state = 'failed' WHERE job_id = ? AND idx = ?").run(jobId, index);
    this.finishJob(jobId, "failed", now, what + error.message, events);
  }
}
