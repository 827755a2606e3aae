import type { Database } from "bun:sqlite";
import { payoutKey, refundKey, Settlement } from "@medusa/core";
import { ADDED_COLUMNS } from "./sqlite-schema.ts";

/**
 * The SQLite chunk store's settlement outbox. `recordPayout` and
 * `recordRefund` run inside the transition that earned them, so a payout
 * exists exactly when its chunk was accepted.
 */
export class SqliteSettlements {
  constructor(private readonly db: Database) {}

  /** Brings a data folder made before the ledger up to date. */
  static migrate(db: Database): void {
    for (const { table, column, ddl } of ADDED_COLUMNS) {
      const columns = db.query(`PRAGMA table_info(${table})`).all() as Array<{ name: string }>;
      if (!columns.some((c) => c.name === column)) db.exec(ddl);
    }
  }

  /** An accepted result earns its node the job's price, out of the job's escrow. */
  recordPayout(jobId: string, index: number, nodeId: string): void {
    const job = this.db.query("SELECT price FROM jobs WHERE id = ?").get(jobId) as { price: number };
    if (job.price <= 0) return;
    this.db.query("UPDATE jobs SET spent = spent + price WHERE id = ?").run(jobId);
    this.put({ v: 1, kind: "payout", key: payoutKey(jobId, index, nodeId), jobId, nodeId, amount: job.price });
  }

  /** A job that reached a final state gives back what it did not spend. */
  recordRefund(jobId: string): void {
    const job = this.db.query("SELECT owner, held, spent FROM jobs WHERE id = ?").get(jobId) as { owner: string; held: number; spent: number };
    const amount = job.held - job.spent;
    if (amount > 0) this.put({ v: 1, kind: "refund", key: refundKey(jobId), jobId, owner: job.owner, amount });
  }

  pending(limit: number): Settlement[] {
    const rows = this.db.query("SELECT body FROM settlements LIMIT ?").all(Math.max(0, limit)) as Array<{ body: string }>;
    return rows.map((r) => Settlement.parse(JSON.parse(r.body)));
  }

  ack(keys: string[]): void {
    const del = this.db.query("DELETE FROM settlements WHERE key = ?");
    this.db.transaction(() => {
      for (const key of keys) del.run(key);
    })();
  }

  private put(s: Settlement): void {
    this.db.query("INSERT OR IGNORE INTO settlements (key, body) VALUES (?, ?)").run(s.key, JSON.stringify(s));
  }
}
