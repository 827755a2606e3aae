import type { CompleteOutcome, LeaseHolder } from "@medusa/core";
import { disagreement, needsMore, type Tally } from "./replica-votes.ts";
import type { ChunkRow } from "./sqlite-schema.ts";
import { heldChunk } from "./sqlite-lease-transitions.ts";
import { chunkRow, finishIfComplete, finishJob, queueReduceIfReady, requireJob, syncQueue, type SqliteParts, type Tx } from "./sqlite-job-state.ts";

/**
 * A result for a chunk, the twin of complete-chunk.lua: stored for a node
 * holding a lease on it, then voted on. When `quorum` answers share its hash
 * the chunk is accepted; when no group can reach the quorum any more the
 * chunk wants another replica, or, past replicas + quorum results, fails its
 * job. Returns the outcome and the nodes caught disagreeing.
 */
export function completeChunk(p: SqliteParts, tx: Tx, holder: LeaseHolder, results: string, now: number, hash: string): { outcome: CompleteOutcome; disagreed: string[]; settled?: true } {
  const held = heldChunk(p, holder);
  if (held === "stale" && chunkRow(p, holder.jobId, holder.index)?.state === "done") return { outcome: held, disagreed: [], settled: true };
  if (held !== "ok") return { outcome: held, disagreed: [] };
  const leaseUntil = p.replicas.answer(holder, hash, results);
  p.sql("UPDATE jobs SET running = running - 1 WHERE id = ?").run(holder.jobId);
  const c = chunkRow(p, holder.jobId, holder.index)!;
  const tally = p.replicas.tally(holder.jobId, holder.index);
  const agreeing = tally.groups.get(hash)!;
  if (agreeing.length >= c.quorum) return { outcome: "accepted", disagreed: accept(p, tx, c, holder, hash, tally, now, leaseUntil) };
  const job = requireJob(p, holder.jobId);
  const more = needsMore(tally, c.wanted, c.quorum, job.replicas + job.quorum);
  if (more === "give_up") {
    p.sql("UPDATE chunks SET state = 'failed', queue_pos = NULL WHERE job_id = ? AND idx = ?").run(holder.jobId, holder.index);
    finishJob(p, tx, holder.jobId, "failed", now, disagreement(c.task, c.idx, tally, c.quorum, job.replicas + job.quorum));
    return { outcome: "rejected", disagreed: [] };
  }
  p.sql("UPDATE chunks SET wanted = wanted + ? WHERE job_id = ? AND idx = ?").run(more, holder.jobId, holder.index);
  syncQueue(p, tx, holder.jobId, holder.index);
  p.log.progress(holder.jobId, tx.events);
  return { outcome: "pending", disagreed: [] };
}

/**
 * The `hash` group reached the chunk's quorum: the chunk is done with that
 * result, leases still out on it go stale, agreeing nodes are paid (or, for
 * a result accepted alone in an "auto" job, owed) and, when the result was
 * compared at all, every answer counts for or against its node's record.
 * The job's held_ms grows by the time the result took from its lease (what
 * backupAfterMs judges stragglers by), in the update the job takes anyway.
 * Returns the nodes caught disagreeing.
 */
function accept(p: SqliteParts, tx: Tx, c: ChunkRow, holder: LeaseHolder, hash: string, tally: Tally, now: number, leaseUntil: number | null): string[] {
  const { job_id: jobId, idx } = c;
  const job = requireJob(p, jobId);
  const text = p.replicas.resultText(jobId, idx, holder.nodeId);
  p.sql("UPDATE chunks SET state = 'done', results = ?, queue_pos = NULL WHERE job_id = ? AND idx = ?").run(text, jobId, idx);
  const held = leaseUntil === null ? 0 : Math.max(0, Math.floor(now - (leaseUntil - job.lease_ms)));
  p.sql("UPDATE jobs SET running = running - ?, done = done + 1, held_ms = held_ms + ? WHERE id = ?").run(tally.leased.length, held, jobId);
  p.replicas.clearChunk(jobId, idx);
  const validated = c.quorum >= 2;
  const caught: string[] = [];
  for (const [groupHash, nodes] of tally.groups) {
    for (const nodeId of nodes) {
      if (groupHash === hash) p.replicas.acceptedResult(nodeId);
      if (groupHash !== hash) {
        p.replicas.disagreed(nodeId);
        p.settlements.forfeitUnpaid(jobId, nodeId);
        caught.push(nodeId);
      } else if (validated) {
        p.replicas.agreed(nodeId);
        p.settlements.recordPayout(jobId, idx, nodeId);
      } else if (job.adaptive) p.settlements.recordUnpaid(jobId, idx, nodeId);
      else p.settlements.recordPayout(jobId, idx, nodeId);
    }
  }
  const task = c.task as "map" | "reduce";
  p.log.append(jobId, { type: "chunk", index: idx, task, nodeId: holder.nodeId, chunks: p.log.counts(jobId) }, tx.events);
  if (task === "map") queueReduceIfReady(p, tx, jobId);
  finishIfComplete(p, tx, jobId, now);
  return caught;
}
