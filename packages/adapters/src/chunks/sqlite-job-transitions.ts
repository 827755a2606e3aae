import { leaseMsFor, MedusaError, replicasBudgeted } from "@medusa/core";
import type { JobRecord, NewChunk, SplitBatch, SplitTask } from "@medusa/core";
import { createSplit, endSplit, holdsSplit } from "./sqlite-splits.ts";
import { firstVote, nextQueuePos } from "./sqlite-replicas.ts";
import { finalState, finishIfComplete, finishJob, jobRow, queueReduceIfReady, requireJob, type SqliteParts, type Tx } from "./sqlite-job-state.ts";

/**
 * A job's own transitions in the SQLite chunk store, twins of create-job,
 * add-chunks, seal-job and stop-job.lua: it is stored, filled with chunks,
 * sealed, and stopped. Each runs inside the store's transaction.
 */
export function createJob(p: SqliteParts, tx: Tx, job: JobRecord, now: number, split?: SplitTask): void {
  if (jobRow(p, job.id)) throw new MedusaError("conflict", `job ${job.id} already exists`);
  p.sql(
    `INSERT INTO jobs (id, owner, name, program, has_reduce, state, items, timeout_ms, max_attempts, min_reputation, replicas, quorum, adaptive, created_at, lease_ms, price, held, spent)
     VALUES (?, ?, ?, ?, ?, 'queued', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)`,
  ).run(job.id, job.owner, job.name, JSON.stringify(job.program), job.hasReduce ? 1 : 0, job.items, job.timeoutMs, job.maxAttempts, job.minReputation ?? 0,
    replicasBudgeted(job.replicas), job.quorum, job.replicas === "auto" ? 1 : 0, job.createdAt, leaseMsFor(job.timeoutMs), job.credits.price, job.credits.held);
  if (split) createSplit(p, job.id, split, now);
  p.log.progress(job.id, tx.events);
}

/** Appends map chunks at the back of the queue; false when the job is final (stop splitting) or the batch is not its split holder's next. */
export function addChunks(p: SqliteParts, tx: Tx, jobId: string, chunks: NewChunk[], batch?: SplitBatch): boolean {
  const job = requireJob(p, jobId);
  if (finalState(job.state)) return false;
  if (batch && (!holdsSplit(p, jobId, batch.token) || job.total !== batch.at)) return false;
  if (job.sealed) throw new MedusaError("conflict", `job ${jobId} is sealed: no more chunks`);
  const insert = p.sql(
    `INSERT INTO chunks (job_id, idx, task, state, item_offset, item_count, input, wanted, quorum, queue_pos)
     VALUES (?, ?, 'map', 'queued', ?, ?, ?, ?, ?, ?)`,
  );
  const { wanted, quorum } = firstVote(job);
  chunks.forEach((c, i) => insert.run(jobId, job.total + i, c.offset, c.count, JSON.stringify(c.input), wanted, quorum, nextQueuePos(p.sql, "back")));
  p.sql("UPDATE jobs SET total = total + ?, maps = maps + ? WHERE id = ?").run(chunks.length, chunks.length, jobId);
  tx.queued += chunks.length;
  p.log.progress(jobId, tx.events);
  return true;
}

/** No more chunks will come: a job with a reduce gets its reduce chunk, queued once every map is done. */
export function sealJob(p: SqliteParts, tx: Tx, jobId: string, items: number, now: number, token?: string): void {
  const job = requireJob(p, jobId);
  if (finalState(job.state) || job.sealed) return;
  if (token !== undefined && !holdsSplit(p, jobId, token)) return;
  endSplit(p, jobId);
  p.sql("UPDATE jobs SET sealed = 1, items = ? WHERE id = ?").run(items, jobId);
  if (job.has_reduce) {
    const { wanted, quorum } = firstVote(job);
    p.sql(
      `INSERT INTO chunks (job_id, idx, task, state, item_offset, item_count, input, wanted, quorum)
       VALUES (?, ?, 'reduce', 'waiting', 0, 0, '{"kind":"results"}', ?, ?)`,
    ).run(jobId, job.maps, wanted, quorum);
    p.sql("UPDATE jobs SET total = total + 1 WHERE id = ?").run(jobId);
    queueReduceIfReady(p, tx, jobId);
  }
  p.log.progress(jobId, tx.events);
  finishIfComplete(p, tx, jobId, now);
}

/** Cancels or fails a job that is not final yet; a final one is left as it is. */
export function stopJob(p: SqliteParts, tx: Tx, jobId: string, state: "cancelled" | "failed", now: number, error?: string): void {
  const job = requireJob(p, jobId);
  if (!finalState(job.state)) finishJob(p, tx, jobId, state, now, error);
}
