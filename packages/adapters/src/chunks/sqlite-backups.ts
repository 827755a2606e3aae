import { BACKUP_AFTER_MEAN, BACKUP_FLOOR_MS, BACKUP_NO_RESULT_MS } from "@medusa/core";
import type { SqliteParts } from "./sqlite-job-state.ts";
import type { ChunkRow } from "./sqlite-schema.ts";

/** Reads at most this many leases, newest first, per call (as backups.lua does). */
const BACKUP_SCAN = 64;

/**
 * Backup leases (MapReduce's backup tasks), twin of backups.lua: once the
 * queue holds nothing at all, chunks another node has held too long (a
 * straggler: backupAfterMs, its lease's start is lease_until less the job's
 * lease_ms) and not answered, newest lease first, that this node may take a
 * second lease on. Whichever
 * result comes first is accepted alone and paid; acceptance drops the other
 * lease, so the loser's report is stale and earns nothing.
 *
 * Only chunks no vote is taken on: a job of one replica and a quorum of 1,
 * not "auto" (there a result accepted alone must come from a trusted node),
 * an open chunk wanting one result with exactly one replica, another node's
 * lease. The owner and network rules keep voters apart and do not apply; the
 * rule that a chunk never goes back to a node it expired on does, and so do
 * the runtime and minReputation rules. A lease past its expiry is the
 * sweeper's to requeue, not to back up.
 */
export function backupCandidates(p: SqliteParts, nodeId: string, now: number, want: number, runtimes: string | null, agreed: number): ChunkRow[] {
  if (want <= 0) return [];
  const queued = p.sql(
    "SELECT 1 FROM chunks c JOIN jobs j ON j.id = c.job_id WHERE c.queue_pos IS NOT NULL AND j.state IN ('queued', 'running') LIMIT 1",
  ).get();
  if (queued) return [];
  return p.sql(
    `SELECT c.* FROM (SELECT job_id, idx, node_id, expires_at, lease_until, rowid AS rid FROM replicas WHERE state = 'leased' AND expires_at > ? ORDER BY expires_at DESC, rowid DESC LIMIT ?) r
       JOIN chunks c ON c.job_id = r.job_id AND c.idx = r.idx
       JOIN jobs j ON j.id = c.job_id
     WHERE r.node_id <> ? AND j.state = 'running' AND j.replicas = 1 AND j.quorum = 1 AND j.adaptive = 0
       AND j.min_reputation <= ?
       AND c.state = 'queued' AND c.wanted = 1 AND c.quorum <= 1
       AND ? - (r.lease_until - j.lease_ms) >= (CASE WHEN j.done <= 0 THEN ? ELSE max(?, ? * j.held_ms * 1.0 / j.done) END)
       AND (SELECT count(*) FROM replicas o WHERE o.job_id = c.job_id AND o.idx = c.idx) = 1
       AND NOT EXISTS (SELECT 1 FROM lease_expiries e WHERE e.job_id = c.job_id AND e.idx = c.idx AND e.node_id = ?)
       AND (? IS NULL OR json_extract(j.program, '$.runtime') IN (SELECT value FROM json_each(?)))
     ORDER BY r.expires_at DESC, r.rid DESC LIMIT ?`,
  ).all(now, BACKUP_SCAN, nodeId, agreed, now, BACKUP_NO_RESULT_MS, BACKUP_FLOOR_MS, BACKUP_AFTER_MEAN, nodeId, runtimes, runtimes, want) as ChunkRow[];
}
