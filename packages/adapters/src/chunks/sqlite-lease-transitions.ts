import { ChunkLease, DEFAULT_SPOT_CHECK_RATE, DEFAULT_TRUST_AFTER, FREE_RELEASES, leaseWindow, newSecret } from "@medusa/core";
import type { ChunkError, LeaseHolder, LeaseOptions } from "@medusa/core";
import type { ChunkRow } from "./sqlite-schema.ts";
import { backupCandidates } from "./sqlite-backups.ts";
import { finalState, jobRow, requeueOrFail, requireJob, syncQueue, type SqliteParts, type Tx } from "./sqlite-job-state.ts";

/**
 * Leases in the SQLite chunk store, twins of lease-chunks, fail-chunk,
 * requeue-expired and release-node.lua: handing chunks to a node, and every
 * way a lease ends without a result. Each runs inside the store's transaction.
 */
export function leaseChunks(p: SqliteParts, tx: Tx, nodeId: string, max: number, now: number, options: LeaseOptions): ChunkLease[] {
  const owner = options.owner ?? nodeId;
  const random = options.random ?? Math.random;
  const runtimes = options.runtimes ? JSON.stringify(options.runtimes) : null;
  const start = options.startWindow;
  if (start !== undefined) max = Math.min(max, leaseWindow(p.replicas.reputations([nodeId])[nodeId]!, start) - p.replicas.heldBy(nodeId));
  const origin = options.origin ?? null;
  const agreed = p.replicas.reputations([nodeId])[nodeId]!.agreed;
  // Chunks this node, or another node of its owner or its network, already works on or answered are not offered again, nor one whose lease ran out on this node within the job's lease_ms.
  const rows = p.sql(
    `SELECT c.* FROM chunks c JOIN jobs j ON j.id = c.job_id
     WHERE c.queue_pos IS NOT NULL AND j.state IN ('queued', 'running')
       AND (? IS NULL OR json_extract(j.program, '$.runtime') IN (SELECT value FROM json_each(?)))
       AND NOT EXISTS (SELECT 1 FROM replicas r WHERE r.job_id = c.job_id AND r.idx = c.idx AND (r.node_id = ? OR r.owner = ? OR r.origin = ?))
       AND j.min_reputation <= ?
       AND NOT EXISTS (SELECT 1 FROM lease_expiries e WHERE e.job_id = c.job_id AND e.idx = c.idx AND e.node_id = ? AND e.expired_at + j.lease_ms > ?)
     ORDER BY c.queue_pos LIMIT ?`,
  ).all(runtimes, runtimes, nodeId, owner, origin, agreed, nodeId, now, Math.max(0, max)) as ChunkRow[];
  const trusted = p.replicas.streak(nodeId) >= (options.trustAfter ?? DEFAULT_TRUST_AFTER);
  const leaseOne = (c: ChunkRow): ChunkLease => {
    const job = requireJob(p, c.job_id);
    const lease = ChunkLease.parse({
      jobId: c.job_id,
      index: c.idx,
      token: newSecret("lease"),
      task: c.task,
      attempt: c.attempts + 1,
      offset: c.item_offset,
      input: JSON.parse(c.input),
      expiresAt: now + Math.min(job.lease_ms, options.leaseMs ?? job.lease_ms),
    });
    p.sql("UPDATE chunks SET attempts = attempts + 1 WHERE job_id = ? AND idx = ?").run(c.job_id, c.idx);
    p.replicas.lease(c.job_id, c.idx, nodeId, owner, origin, lease.token, lease.expiresAt, now + job.lease_ms);
    syncQueue(p, tx, c.job_id, c.idx);
    p.sql("UPDATE jobs SET running = running + 1 WHERE id = ?").run(c.job_id);
    if (job.state === "queued") {
      p.sql("UPDATE jobs SET state = 'running' WHERE id = ?").run(c.job_id);
      p.log.progress(c.job_id, tx.events);
    }
    p.log.append(c.job_id, { type: "leased", index: c.idx, task: lease.task, nodeId, chunks: p.log.counts(c.job_id) }, tx.events);
    return lease;
  };
  const leases = rows.map((c) => {
    const alone = trusted && random() >= (options.spotCheckRate ?? DEFAULT_SPOT_CHECK_RATE);
    if (requireJob(p, c.job_id).adaptive) p.replicas.decideQuorum(c, alone);
    return leaseOne(c);
  });
  if (options.backups && leases.length < max) {
    for (const c of backupCandidates(p, nodeId, now, max - leases.length, runtimes, agreed)) leases.push(leaseOne(c));
  }
  return leases;
}

/** Extends the live leases of open jobs among `holders` (see ChunkStore.renewLeases); returns how many moved. */
export function renewLeases(p: SqliteParts, holders: LeaseHolder[], now: number, leaseMs: number): number {
  let renewed = 0;
  for (const h of holders) {
    const job = jobRow(p, h.jobId);
    if (job && !finalState(job.state) && p.replicas.renew(h, now, now + leaseMs)) renewed += 1;
  }
  return renewed;
}

/** Whether `holder` may complete or fail its chunk; a final job's lease is cleared either way. */
export function heldChunk(p: SqliteParts, holder: LeaseHolder): "ok" | "stale" | "job_final" {
  const job = jobRow(p, holder.jobId);
  if (!job) return "stale";
  const holds = p.replicas.holds(holder);
  if (finalState(job.state)) {
    if (holds) p.replicas.drop(holder.jobId, holder.index, holder.nodeId);
    return "job_final";
  }
  return holds ? "ok" : "stale";
}

/** The holder's attempt failed: it counts (and resets the node's streak); the chunk is retried or fails its job. */
export function failChunk(p: SqliteParts, tx: Tx, holder: LeaseHolder, error: ChunkError, now: number): "accepted" | "stale" | "job_final" {
  const held = heldChunk(p, holder);
  if (held !== "ok") return held;
  p.replicas.drop(holder.jobId, holder.index, holder.nodeId);
  p.replicas.resetStreak(holder.nodeId);
  requeueOrFail(p, tx, holder.jobId, holder.index, error, now);
  return "accepted";
}

/**
 * The sweeper: leases that expired by `now` end; the chunk is not leased to
 * that node again for the job's lease_ms. A node's first expiry counts as a failed attempt; once it
 * has a history of expiries they cost only its lease window. Returns how many it ended.
 */
export function requeueExpired(p: SqliteParts, tx: Tx, now: number, limit: number): number {
  let requeued = 0;
  for (const r of p.replicas.expired(now, limit)) {
    // An earlier expiry in this sweep may have failed the job, which dropped its other leases.
    if (!p.replicas.holds({ jobId: r.job_id, index: r.idx, nodeId: r.node_id, token: r.token! })) continue;
    p.replicas.drop(r.job_id, r.idx, r.node_id);
    requeued += 1;
    if (p.replicas.leaseExpired(r.job_id, r.idx, r.node_id, now) === 0) {
      requeueOrFail(p, tx, r.job_id, r.idx, { message: `lease expired on node ${r.node_id}` }, now);
      continue;
    }
    syncQueue(p, tx, r.job_id, r.idx);
    p.sql("UPDATE jobs SET running = running - 1 WHERE id = ?").run(r.job_id);
    p.log.progress(r.job_id, tx.events);
  }
  return requeued;
}

/** A node left: every chunk it holds goes back, the attempt not counted. Returns how many. */
export function releaseNode(p: SqliteParts, tx: Tx, nodeId: string, now: number): number {
  const rows = p.replicas.leasedBy(nodeId);
  const affected = new Set<string>();
  for (const r of rows) {
    p.replicas.drop(r.job_id, r.idx, nodeId);
    const { releases } = p.sql("UPDATE chunks SET releases = releases + 1 WHERE job_id = ? AND idx = ? RETURNING releases").get(r.job_id, r.idx) as { releases: number };
    if (releases > FREE_RELEASES) {
      requeueOrFail(p, tx, r.job_id, r.idx, { message: `lost with its node's connection ${releases} times (last: node ${nodeId})` }, now);
      continue;
    }
    p.sql("UPDATE chunks SET attempts = attempts - 1 WHERE job_id = ? AND idx = ?").run(r.job_id, r.idx);
    syncQueue(p, tx, r.job_id, r.idx);
    p.sql("UPDATE jobs SET running = running - 1, failed = failed + 1 WHERE id = ?").run(r.job_id);
    affected.add(r.job_id);
  }
  for (const jobId of [...affected].reverse()) if (!finalState(requireJob(p, jobId).state)) p.log.progress(jobId, tx.events);
  return rows.length;
}
