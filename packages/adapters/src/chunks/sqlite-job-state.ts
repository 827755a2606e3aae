import type { Statement } from "bun:sqlite";
import { isFinal, notFound } from "@medusa/core";
import type { ChunkError, JobState, StoredEvent } from "@medusa/core";
import type { SqliteEventLog } from "./sqlite-event-log.ts";
import type { SqliteReplicas } from "./sqlite-replicas.ts";
import type { ChunkRow, JobRow } from "./sqlite-schema.ts";
import type { SqliteSettlements } from "./sqlite-settlements.ts";

/**
 * What every SQLite transition shares, the twin of lua/includes/job-state.lua
 * and lease.lua: reading job and chunk rows, finishing a job, releasing the
 * reduce chunk, and a lease that ended without a result. Everything here runs
 * inside the store's transaction and adds to its `Tx`.
 */
export interface SqliteParts {
  sql: (sql: string) => Statement;
  log: SqliteEventLog;
  replicas: SqliteReplicas;
  settlements: SqliteSettlements;
}

/** What the transaction in progress has done: the events it appended and the chunks it queued. */
export interface Tx {
  events: StoredEvent[];
  queued: number;
}

export const finalState = (state: string) => isFinal(state as JobState);

export function jobRow(p: SqliteParts, jobId: string): JobRow | null {
  return p.sql("SELECT * FROM jobs WHERE id = ?").get(jobId) as JobRow | null;
}

export function requireJob(p: SqliteParts, jobId: string): JobRow {
  const row = jobRow(p, jobId);
  if (!row) throw notFound(`job ${jobId}`);
  return row;
}

export function chunkRow(p: SqliteParts, jobId: string, index: number): ChunkRow | null {
  return p.sql("SELECT * FROM chunks WHERE job_id = ? AND idx = ?").get(jobId, index) as ChunkRow | null;
}

/** Puts the chunk in the queue, or takes it out, by what it wants (see SqliteReplicas.syncQueue); a chunk that joins is counted. */
export function syncQueue(p: SqliteParts, tx: Tx, jobId: string, index: number): void {
  if (p.replicas.syncQueue(jobId, index)) tx.queued += 1;
}

/** A failed or cancelled job keeps no running chunks, queue entries or leases. */
export function finishJob(p: SqliteParts, tx: Tx, jobId: string, state: "done" | "failed" | "cancelled", now: number, error?: string): void {
  p.sql("UPDATE jobs SET state = ?, finished_at = ?, error = COALESCE(?, error) WHERE id = ?").run(state, now, error ?? null, jobId);
  p.sql("DELETE FROM splits WHERE job_id = ?").run(jobId);
  if (state !== "done") {
    p.sql("UPDATE jobs SET running = 0 WHERE id = ?").run(jobId);
    p.sql("UPDATE chunks SET queue_pos = NULL WHERE job_id = ? AND queue_pos IS NOT NULL").run(jobId);
    p.replicas.clearJob(jobId);
  }
  p.settlements.payUnpaid(jobId);
  p.settlements.recordRefund(jobId);
  const chunks = p.log.counts(jobId);
  if (state === "failed") p.log.append(jobId, { type: "failed", error: error ?? "", chunks }, tx.events);
  else p.log.append(jobId, { type: state, chunks }, tx.events);
}

/** The reduce chunk joins the queue once the job is sealed and every map chunk is done. */
export function queueReduceIfReady(p: SqliteParts, tx: Tx, jobId: string): void {
  const job = requireJob(p, jobId);
  if (!job.has_reduce || !job.sealed || job.reduce_queued || job.done !== job.maps) return;
  p.sql("UPDATE jobs SET reduce_queued = 1 WHERE id = ?").run(jobId);
  p.sql("UPDATE chunks SET state = 'queued' WHERE job_id = ? AND idx = ?").run(jobId, job.maps);
  syncQueue(p, tx, jobId, job.maps);
}

export function finishIfComplete(p: SqliteParts, tx: Tx, jobId: string, now: number): void {
  const job = requireJob(p, jobId);
  if (job.sealed && job.done === job.total) finishJob(p, tx, jobId, "done", now);
}

/** A lease ended without a result: the chunk wants another replica, or has failed too often and fails its job. */
export function requeueOrFail(p: SqliteParts, tx: Tx, jobId: string, index: number, error: ChunkError, now: number): void {
  p.sql("UPDATE jobs SET running = running - 1, failed = failed + 1 WHERE id = ?").run(jobId);
  p.sql("UPDATE chunks SET failures = failures + 1 WHERE job_id = ? AND idx = ?").run(jobId, index);
  const c = chunkRow(p, jobId, index)!;
  const job = requireJob(p, jobId);
  if (c.failures < job.max_attempts) {
    syncQueue(p, tx, jobId, index);
    p.log.progress(jobId, tx.events);
    return;
  }
  const item = error.itemIndex === undefined ? "" : `item ${c.item_offset + error.itemIndex}: `;
  const times = c.failures === 1 ? "once" : `${c.failures} times`;
  const what = c.task === "reduce" ? `reduce failed ${times}: ` : `chunk ${index} failed ${times}: ${item}`;
  p.sql("UPDATE chunks SET state = 'failed' WHERE job_id = ? AND idx = ?").run(jobId, index);
  finishJob(p, tx, jobId, "failed", now, what + error.message);
}
