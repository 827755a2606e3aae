import { Database } from "bun:sqlite";
import { SessionRecord, type Settlement } from "@medusa/core";
import { CasSessionStore, type SessionCells } from "./session-transitions.ts";

/**
 * Sessions in the chunk store's SQLite file (its own connection, its own
 * table), so a round's payouts go into the same `settlements` outbox in the
 * same transaction as the round, and the scheduler forwards them with the
 * jobs'. The outbox table is declared as the chunk store declares it, for a
 * file this opens first.
 */
class SqliteSessionCells implements SessionCells {
  private readonly db: Database;

  constructor(path: string) {
    this.db = new Database(path, { create: true });
    this.db.exec("PRAGMA journal_mode = WAL");
    // As the chunk store's: a commit is not synced on its own; the chunk store
    // checkpoints the WAL before it hands any outbox entry out, so no payout
    // reaches the ledger while the round that earned it could still vanish.
    this.db.exec("PRAGMA synchronous = NORMAL");
    this.db.exec("PRAGMA busy_timeout = 5000");
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS settlements (key TEXT PRIMARY KEY, body TEXT NOT NULL, claimed_until REAL NOT NULL DEFAULT 0);
      -- host_until: the host's lease, NULL once the session is final (the orphan sweep's index).
      CREATE TABLE IF NOT EXISTS sessions (id TEXT PRIMARY KEY, version INTEGER NOT NULL, host_until REAL, record TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS sessions_host_until ON sessions (host_until);
    `);
  }

  async read(id: string): Promise<{ version: number; record: SessionRecord } | null> {
    const row = this.db.query<{ version: number; record: string }, [string]>("SELECT version, record FROM sessions WHERE id = ?").get(id);
    return row ? { version: row.version, record: SessionRecord.parse(JSON.parse(row.record)) } : null;
  }

  async insert(record: SessionRecord): Promise<void> {
    this.db.query("INSERT OR IGNORE INTO sessions (id, version, host_until, record) VALUES (?, 1, ?, ?)").run(record.id, record.hostUntil, JSON.stringify(record));
  }

  async write(record: SessionRecord, version: number, settlements: Settlement[]): Promise<boolean> {
    const hostUntil = record.state === "ended" || record.state === "failed" ? null : record.hostUntil;
    return this.db.transaction(() => {
      const { changes } = this.db.query("UPDATE sessions SET version = version + 1, host_until = ?, record = ? WHERE id = ? AND version = ?").run(hostUntil, JSON.stringify(record), record.id, version);
      if (changes === 0) return false;
      const put = this.db.query("INSERT OR IGNORE INTO settlements (key, body) VALUES (?, ?)");
      for (const s of settlements) put.run(s.key, JSON.stringify(s));
      return true;
    })();
  }

  async orphans(now: number, limit: number): Promise<string[]> {
    return this.db.query<{ id: string }, [number, number]>("SELECT id FROM sessions WHERE host_until IS NOT NULL AND host_until < ? ORDER BY host_until LIMIT ?").all(now, limit).map((r) => r.id);
  }

  async close(): Promise<void> {
    this.db.close();
  }
}

export class SqliteSessionStore extends CasSessionStore {
  constructor(path: string) {
    super(new SqliteSessionCells(path));
  }
}
