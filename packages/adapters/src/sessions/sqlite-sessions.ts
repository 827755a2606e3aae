import { Database } from "bun:sqlite";
import type { SessionRecord, SessionRoundResult, SessionWrite, Settlement } from "@medusa/core";
import { addMissingColumns } from "../chunks/sqlite-schema.ts";
import { sessionFromStore, storedSession } from "./round-fields.ts";
import { CasSessionStore, roundPayouts, type SessionCells } from "./session-transitions.ts";

/** The round's fields (round-fields.ts), added after the first release; NULL `rounds`: the row is still as that release wrote it. */
const ROUND_COLUMNS = [
  ["host", "TEXT"],
  ["price", "INTEGER"],
  ["held", "INTEGER"],
  ["partitions", "INTEGER"],
  ["rounds", "INTEGER"],
  ["spent", "INTEGER"],
  ["active_at", "REAL"],
  ["last", "TEXT"],
].map(([column, type]) => ({ table: "sessions", column: column!, ddl: `ALTER TABLE sessions ADD COLUMN ${column} ${type}` }));

interface RoundRow {
  host: string | null;
  host_until: number | null;
  price: number;
  held: number;
  partitions: number;
  rounds: number | null;
  spent: number;
}

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
      -- record: the record but for its round fields, the columns after it (sessions/round-fields.ts).
      CREATE TABLE IF NOT EXISTS sessions (id TEXT PRIMARY KEY, version INTEGER NOT NULL, host_until REAL, record TEXT NOT NULL,
        host TEXT, price INTEGER, held INTEGER, partitions INTEGER, rounds INTEGER, spent INTEGER, active_at REAL, last TEXT);
      CREATE INDEX IF NOT EXISTS sessions_host_until ON sessions (host_until);
    `);
    addMissingColumns(this.db, ROUND_COLUMNS);
  }

  async read(id: string): Promise<{ version: number; record: SessionRecord } | null> {
    const row = this.db
      .query<{ version: number; record: string; rounds: number | null; spent: number; active_at: number; last: string | null }, [string]>(
        "SELECT version, record, rounds, spent, active_at, last FROM sessions WHERE id = ?",
      )
      .get(id);
    if (!row) return null;
    const round = row.rounds === null ? null : { rounds: row.rounds, spent: row.spent, activeAt: row.active_at, last: row.last };
    return { version: row.version, record: sessionFromStore(row.record, round) };
  }

  async insert(record: SessionRecord): Promise<void> {
    const s = storedSession(record);
    this.db
      .query("INSERT OR IGNORE INTO sessions (id, version, host_until, record, host, price, held, partitions, rounds, spent, active_at, last) VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
      .run(record.id, s.final ? null : record.hostUntil, s.terms, s.host, s.price, s.held, s.partitions, s.rounds, s.spent, s.activeAt, s.last ?? null);
  }

  async write(record: SessionRecord, version: number, settlements: Settlement[]): Promise<boolean> {
    const s = storedSession(record);
    return this.db.transaction(() => {
      const { changes } = this.db
        .query(
          `UPDATE sessions SET version = version + 1, host_until = ?, record = ?, host = ?, price = ?, held = ?, partitions = ?, rounds = ?, spent = ?, active_at = ?, last = ?
           WHERE id = ? AND version = ?`,
        )
        .run(s.final ? null : record.hostUntil, s.terms, s.host, s.price, s.held, s.partitions, s.rounds, s.spent, s.activeAt, s.last ?? null, record.id, version);
      if (changes === 0) return false;
      this.put(settlements);
      return true;
    })();
  }

  async completeRound(id: string, gateway: string, result: SessionRoundResult, holders: string[], now: number): Promise<SessionWrite | "missing" | "unmigrated"> {
    // Immediate: it reads before it writes, and a deferred read lock could not be upgraded past the chunk store's writes.
    return this.db.transaction((): SessionWrite | "missing" | "unmigrated" => {
      const r = this.db
        .query<RoundRow, [string]>("SELECT host, host_until, price, held, partitions, rounds, spent FROM sessions WHERE id = ?")
        .get(id);
      if (!r) return "missing";
      if (r.rounds === null) return "unmigrated";
      if (r.host_until === null) return "final";
      if (r.host !== gateway) return "not_host";
      if (result.round !== r.rounds + 1) return "stale";
      const spent = r.spent + r.price * r.partitions;
      if (spent > r.held) return "spent";
      this.db
        .query("UPDATE sessions SET version = version + 1, rounds = ?, spent = ?, active_at = ?, last = ? WHERE id = ?")
        .run(result.round, spent, now, JSON.stringify(result), id);
      this.put(roundPayouts(id, result.round, holders, r.price));
      return "ok";
    }).immediate();
  }

  async orphans(now: number, limit: number): Promise<string[]> {
    return this.db.query<{ id: string }, [number, number]>("SELECT id FROM sessions WHERE host_until IS NOT NULL AND host_until < ? ORDER BY host_until LIMIT ?").all(now, limit).map((r) => r.id);
  }

  async close(): Promise<void> {
    this.db.close();
  }

  private put(settlements: Settlement[]): void {
    const put = this.db.query("INSERT OR IGNORE INTO settlements (key, body) VALUES (?, ?)");
    for (const s of settlements) put.run(s.key, JSON.stringify(s));
  }
}

export class SqliteSessionStore extends CasSessionStore {
  constructor(path: string) {
    super(new SqliteSessionCells(path));
  }
}
