import type { Database } from "bun:sqlite";
import { ChunkInput, isFinal, type ExpiredJob, type ExpireOptions, type JobState, type LeaseHolder } from "@medusa/core";
import type { SqliteParts } from "./sqlite-job-state.ts";

/**
 * Retention in SQLite, the twin of lua/expire-jobs.lua: finished jobs past
 * their retention are deleted with everything of theirs and remembered in
 * `expired_jobs` until `forgetAfterMs` has passed. One transaction per call;
 * the caller bounds the work with `limit`.
 */
export function expireJobs(db: Database, p: SqliteParts, options: ExpireOptions): { expired: ExpiredJob[]; more: boolean } {
  return db.transaction(() => {
    const due = p.sql(
      "SELECT id, owner, state, finished_at FROM jobs WHERE finished_at IS NOT NULL AND finished_at <= ? ORDER BY finished_at, id LIMIT ?",
    ).all(options.finishedBefore, options.limit + 1) as Array<{ id: string; owner: string; state: JobState; finished_at: number }>;
    const expired: ExpiredJob[] = [];
    for (const row of due.slice(0, options.limit)) {
      if (!isFinal(row.state)) continue;
      for (const table of ["chunks", "replicas", "lease_expiries", "events"]) p.sql(`DELETE FROM ${table} WHERE job_id = ?`).run(row.id);
      p.sql("DELETE FROM jobs WHERE id = ?").run(row.id);
      p.sql("INSERT OR REPLACE INTO expired_jobs (id, owner, state, finished_at, expired_at) VALUES (?, ?, ?, ?, ?)").run(row.id, row.owner, row.state, row.finished_at, options.now);
      expired.push({ id: row.id, owner: row.owner, state: row.state, finishedAt: row.finished_at, expiredAt: options.now });
    }
    p.sql("DELETE FROM expired_jobs WHERE expired_at <= ?").run(options.now - options.forgetAfterMs);
    return { expired, more: due.length > options.limit };
  }).immediate();
}

export function expiredJob(p: SqliteParts, jobId: string): ExpiredJob | null {
  const row = p.sql("SELECT * FROM expired_jobs WHERE id = ?").get(jobId) as { id: string; owner: string; state: JobState; finished_at: number; expired_at: number } | null;
  return row && { id: row.id, owner: row.owner, state: row.state, finishedAt: row.finished_at, expiredAt: row.expired_at };
}

/** The input of the chunk `holder` holds a live lease on, with its job's owner, or null. */
export function leasedInput(p: SqliteParts, holder: LeaseHolder, now: number): { owner: string; input: ChunkInput } | null {
  const row = p.sql(
    `SELECT j.owner, j.state, c.input FROM replicas r
       JOIN chunks c ON c.job_id = r.job_id AND c.idx = r.idx
       JOIN jobs j ON j.id = r.job_id
     WHERE r.job_id = ? AND r.idx = ? AND r.node_id = ? AND r.state = 'leased' AND r.token = ? AND r.expires_at > ?`,
  ).get(holder.jobId, holder.index, holder.nodeId, holder.token, now) as { owner: string; state: JobState; input: string } | null;
  if (!row || isFinal(row.state)) return null;
  return { owner: row.owner, input: ChunkInput.parse(JSON.parse(row.input)) };
}
