import type { Database, Statement } from "bun:sqlite";
import type { LeaseHolder, NodeReputation } from "@medusa/core";
import type { Tally } from "./replica-votes.ts";
import { statements } from "./sqlite-statements.ts";
import type { ChunkRow, JobRow, ReplicaRow } from "./sqlite-schema.ts";

/**
 * The SQLite chunk store's replica rows (one per node working on or having
 * answered an open chunk), the queue membership they decide, and node
 * reputations. Runs inside the store's
 * transactions; nothing here commits on its own.
 */
export class SqliteReplicas {
  private readonly sql: (sql: string) => Statement;

  constructor(db: Database) {
    this.sql = statements(db);
  }

  /** `until`: the most renewals may extend the lease to. */
  lease(jobId: string, index: number, nodeId: string, owner: string, origin: string | null, token: string, expiresAt: number, until: number): void {
    this.sql("INSERT INTO replicas (job_id, idx, node_id, owner, origin, state, token, expires_at, lease_until) VALUES (?, ?, ?, ?, ?, 'leased', ?, ?, ?)")
      .run(jobId, index, nodeId, owner, origin, token, expiresAt, until);
  }

  /** Extends the holder's live lease to `later`, never past its cap; true when it moved (a lease without a cap predates them and stays). */
  renew(h: LeaseHolder, now: number, later: number): boolean {
    const moved = this.sql(
      `UPDATE replicas SET expires_at = min(?, lease_until)
       WHERE job_id = ? AND idx = ? AND node_id = ? AND state = 'leased' AND token = ? AND expires_at > ? AND lease_until > expires_at`,
    ).run(later, h.jobId, h.index, h.nodeId, h.token, now);
    return moved.changes > 0;
  }

  holds(h: LeaseHolder): boolean {
    const row = this.sql("SELECT 1 FROM replicas WHERE job_id = ? AND idx = ? AND node_id = ? AND state = 'leased' AND token = ?")
      .get(h.jobId, h.index, h.nodeId, h.token);
    return row !== null;
  }

  drop(jobId: string, index: number, nodeId: string): void {
    this.sql("DELETE FROM replicas WHERE job_id = ? AND idx = ? AND node_id = ?").run(jobId, index, nodeId);
  }

  /** Returns the lease's cap (its start plus the job's lease_ms; null for a lease from before caps). */
  answer(h: LeaseHolder, hash: string, results: string): number | null {
    const row = this.sql("UPDATE replicas SET state = 'done', token = NULL, expires_at = NULL, hash = ?, results = ? WHERE job_id = ? AND idx = ? AND node_id = ? RETURNING lease_until")
      .get(hash, results, h.jobId, h.index, h.nodeId) as { lease_until: number | null };
    return row.lease_until;
  }

  tally(jobId: string, index: number): Tally {
    const rows = this.sql("SELECT node_id, state, hash FROM replicas WHERE job_id = ? AND idx = ? ORDER BY rowid").all(jobId, index) as ReplicaRow[];
    const groups = new Map<string, string[]>();
    const leased: string[] = [];
    for (const r of rows) {
      if (r.state === "leased") leased.push(r.node_id);
      else groups.set(r.hash!, [...(groups.get(r.hash!) ?? []), r.node_id]);
    }
    const largest = Math.max(0, ...[...groups.values()].map((g) => g.length));
    return { groups, leased, answered: rows.length - leased.length, largest };
  }

  resultText(jobId: string, index: number, nodeId: string): string {
    return (this.sql("SELECT results FROM replicas WHERE job_id = ? AND idx = ? AND node_id = ?").get(jobId, index, nodeId) as { results: string }).results;
  }

  /** Replicas counted against what the chunk wants: leases out plus answers in. */
  count(jobId: string, index: number): number {
    return (this.sql("SELECT count(*) AS n FROM replicas WHERE job_id = ? AND idx = ?").get(jobId, index) as { n: number }).n;
  }

  clearChunk(jobId: string, index: number): void {
    this.sql("DELETE FROM replicas WHERE job_id = ? AND idx = ?").run(jobId, index);
  }

  clearJob(jobId: string): void {
    this.sql("DELETE FROM replicas WHERE job_id = ?").run(jobId);
  }

  expired(now: number, limit: number): ReplicaRow[] {
    return this.sql("SELECT * FROM replicas WHERE expires_at IS NOT NULL AND expires_at <= ? ORDER BY expires_at, rowid LIMIT ?")
      .all(now, Math.max(0, limit)) as ReplicaRow[];
  }

  /** A node's leases, last chunk first (so pushing each to the queue's front keeps index order). */
  leasedBy(nodeId: string): ReplicaRow[] {
    return this.sql("SELECT * FROM replicas WHERE node_id = ? AND state = 'leased' ORDER BY job_id DESC, idx DESC").all(nodeId) as ReplicaRow[];
  }

  /**
   * An "auto" chunk's quorum is settled by who leases it: a trusted node that
   * drew no spot check may run a chunk nobody else holds alone (quorum 1);
   * anyone else makes it want a second, agreeing result (quorum 2).
   */
  decideQuorum(c: ChunkRow, alone: boolean): void {
    if (alone && c.quorum === 0) {
      this.sql("UPDATE chunks SET quorum = 1 WHERE job_id = ? AND idx = ?").run(c.job_id, c.idx);
    } else if (!alone && c.quorum < 2) {
      this.sql("UPDATE chunks SET quorum = 2, wanted = wanted + 1 WHERE job_id = ? AND idx = ?").run(c.job_id, c.idx);
    }
  }

  /** Keeps an open chunk in the queue exactly while it wants more replicas than it has; one that joins goes to the front. True when it joined. */
  syncQueue(jobId: string, index: number): boolean {
    const c = this.sql("SELECT state, wanted, queue_pos FROM chunks WHERE job_id = ? AND idx = ?").get(jobId, index) as {
      state: string;
      wanted: number;
      queue_pos: number | null;
    };
    const wants = c.state === "queued" && c.wanted > this.count(jobId, index);
    if (wants && c.queue_pos === null) {
      this.sql("UPDATE chunks SET queue_pos = ? WHERE job_id = ? AND idx = ?").run(nextQueuePos(this.sql, "front"), jobId, index);
      return true;
    }
    if (!wants && c.queue_pos !== null) this.sql("UPDATE chunks SET queue_pos = NULL WHERE job_id = ? AND idx = ?").run(jobId, index);
    return false;
  }

  streak(nodeId: string): number {
    return (this.sql("SELECT streak FROM reputations WHERE node_id = ?").get(nodeId) as { streak: number } | null)?.streak ?? 0;
  }

  agreed(nodeId: string): void {
    this.upsertReputation(nodeId, { agreed: 1, streak: 1 }, "agreed = agreed + 1, streak = streak + 1");
  }

  disagreed(nodeId: string): void {
    this.upsertReputation(nodeId, { disagreed: 1 }, "disagreed = disagreed + 1, streak = 0");
  }

  /** Any accepted result of the node, validated or alone: what grows its lease window. */
  acceptedResult(nodeId: string): void {
    this.upsertReputation(nodeId, { accepted: 1 }, "accepted = accepted + 1");
  }

  /** The node let its lease on the chunk run out at `now`: it is not offered the chunk again for the job's lease_ms. Returns its expiries before this one. */
  leaseExpired(jobId: string, index: number, nodeId: string, now: number): number {
    this.sql("INSERT INTO lease_expiries (job_id, idx, node_id, expired_at) VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET expired_at = excluded.expired_at").run(jobId, index, nodeId, now);
    this.upsertReputation(nodeId, { expired: 1 }, "expired = expired + 1, streak = 0");
    return this.reputations([nodeId])[nodeId]!.expired - 1;
  }

  /** Leases the node holds now, against its lease window. */
  heldBy(nodeId: string): number {
    return (this.sql("SELECT count(*) AS n FROM replicas WHERE node_id = ? AND state = 'leased'").get(nodeId) as { n: number }).n;
  }

  /** A failed attempt or an expired lease: not a wrong answer, but no clean record either. */
  resetStreak(nodeId: string): void {
    this.sql("UPDATE reputations SET streak = 0 WHERE node_id = ?").run(nodeId);
  }

  reputations(nodeIds: string[]): Record<string, NodeReputation> {
    const read = this.sql("SELECT agreed, disagreed, streak, accepted, expired FROM reputations WHERE node_id = ?");
    return Object.fromEntries(nodeIds.map((id) => [id, (read.get(id) as NodeReputation | null) ?? { ...NO_RECORD }]));
  }

  /** `first` is the row of a node with no record yet; `update` what an existing row does. */
  private upsertReputation(nodeId: string, first: Partial<NodeReputation>, update: string): void {
    const row = { ...NO_RECORD, ...first };
    this.sql(`INSERT INTO reputations (node_id, agreed, disagreed, streak, accepted, expired) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (node_id) DO UPDATE SET ${update}`)
      .run(nodeId, row.agreed, row.disagreed, row.streak, row.accepted, row.expired);
  }
}

const NO_RECORD: NodeReputation = { agreed: 0, disagreed: 0, streak: 0, accepted: 0, expired: 0 };

/** The queue's ends move apart: the front counts down, the back counts up (see sqlite-schema.ts). */
export function nextQueuePos(sql: (sql: string) => Statement, end: "front" | "back"): number {
  const update = end === "front" ? "UPDATE queue_ends SET front = front - 1 RETURNING front AS pos" : "UPDATE queue_ends SET back = back + 1 RETURNING back AS pos";
  return (sql(update).get() as { pos: number }).pos;
}

/** What a new chunk of the job wants: "auto" chunks start wanting one result, quorum undecided (0) until leased. */
export function firstVote(job: JobRow): { wanted: number; quorum: number } {
  return job.adaptive ? { wanted: 1, quorum: 0 } : { wanted: job.replicas, quorum: job.quorum };
}
