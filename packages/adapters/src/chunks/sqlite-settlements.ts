import type { Database, Statement } from "bun:sqlite";
import { payoutKey, refundKey, Settlement } from "@medusa/core";
import { statements } from "./sqlite-statements.ts";

/**
 * The SQLite chunk store's settlement outbox. Every method runs inside the
 * transition that earned it, so a payout exists exactly when its chunk was
 * accepted (and, for a result accepted alone, its job ended with its node
 * never caught disagreeing).
 */
export class SqliteSettlements {
  private readonly sql: (sql: string) => Statement;

  constructor(private readonly db: Database) {
    this.sql = statements(db);
  }

  /** An accepted result earns its node the job's price, out of the job's escrow. */
  recordPayout(jobId: string, index: number, nodeId: string): void {
    const job = this.sql("SELECT price FROM jobs WHERE id = ?").get(jobId) as { price: number };
    if (job.price <= 0) return;
    this.sql("UPDATE jobs SET spent = spent + price WHERE id = ?").run(jobId);
    this.put({ v: 1, kind: "payout", key: payoutKey(jobId, index, nodeId), jobId, nodeId, amount: job.price });
  }

  /** A result accepted alone ("auto", trusted node) is paid when its job ends, unless its node is caught first. */
  recordUnpaid(jobId: string, index: number, nodeId: string): void {
    this.sql("UPDATE chunks SET unpaid_node = ? WHERE job_id = ? AND idx = ?").run(nodeId, jobId, index);
  }

  /** A node caught disagreeing loses what it has not been paid yet for this job. */
  forfeitUnpaid(jobId: string, nodeId: string): void {
    this.sql("UPDATE chunks SET unpaid_node = NULL WHERE job_id = ? AND unpaid_node = ?").run(jobId, nodeId);
  }

  /** The job ended: the results accepted alone whose nodes were not caught are paid now. */
  payUnpaid(jobId: string): void {
    const rows = this.sql("SELECT idx, unpaid_node FROM chunks WHERE job_id = ? AND unpaid_node IS NOT NULL ORDER BY idx").all(jobId) as Array<{
      idx: number;
      unpaid_node: string;
    }>;
    for (const r of rows) this.recordPayout(jobId, r.idx, r.unpaid_node);
    this.sql("UPDATE chunks SET unpaid_node = NULL WHERE job_id = ? AND unpaid_node IS NOT NULL").run(jobId);
  }

  /** A job that reached a final state gives back what it did not spend. */
  recordRefund(jobId: string): void {
    const job = this.sql("SELECT owner, held, spent FROM jobs WHERE id = ?").get(jobId) as { owner: string; held: number; spent: number };
    const amount = job.held - job.spent;
    if (amount > 0) this.put({ v: 1, kind: "refund", key: refundKey(jobId), jobId, owner: job.owner, amount });
  }

  pending(limit: number): Settlement[] {
    const rows = this.sql("SELECT body FROM settlements LIMIT ?").all(Math.max(0, limit)) as Array<{ body: string }>;
    return rows.map((r) => Settlement.parse(JSON.parse(r.body)));
  }

  /** Up to `limit` entries nobody holds a live claim on, oldest first, now claimed until `now + leaseMs`. Runs inside a transaction. */
  claim(limit: number, now: number, leaseMs: number): Settlement[] {
    const rows = this.sql("SELECT key, body FROM settlements WHERE claimed_until <= ? ORDER BY rowid LIMIT ?").all(now, Math.max(0, limit)) as Array<{ key: string; body: string }>;
    const mark = this.sql("UPDATE settlements SET claimed_until = ? WHERE key = ?");
    for (const r of rows) mark.run(now + leaseMs, r.key);
    return rows.map((r) => Settlement.parse(JSON.parse(r.body)));
  }

  ack(keys: string[]): void {
    const del = this.sql("DELETE FROM settlements WHERE key = ?");
    this.db.transaction(() => {
      for (const key of keys) del.run(key);
    })();
  }

  private put(s: Settlement): void {
    this.sql("INSERT OR IGNORE INTO settlements (key, body) VALUES (?, ?)").run(s.key, JSON.stringify(s));
  }
}
