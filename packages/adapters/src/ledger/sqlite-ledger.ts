import { Database } from "bun:sqlite";
import { assertAmount, escrowAccount, holdKey, isEscrow, MINT, type ApplyOutcome, type LedgerStore, type LedgerTotals, type NewEntry, type NodeEarnings, type OpenEscrowsPage, type StoredEntry } from "@medusa/core";

/**
 * The ledger in one SQLite file (the embedded default). Each batch is one
 * transaction; an entry, its two balance rows and its node total change
 * together or not at all. `owner` on a balance row is the user account an
 * escrow belongs to (for user accounts, the account itself), and each entry
 * records the owners of both sides so an account's history is one indexed query.
 */
const SCHEMA = `
  PRAGMA busy_timeout = 5000;
  PRAGMA journal_mode = WAL;
  CREATE TABLE IF NOT EXISTS entries (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT NOT NULL UNIQUE,
    reason TEXT NOT NULL,
    from_account TEXT NOT NULL,
    to_account TEXT NOT NULL,
    from_owner TEXT,
    to_owner TEXT,
    amount INTEGER NOT NULL CHECK (amount >= 0),
    job_id TEXT,
    node_id TEXT,
    at INTEGER NOT NULL
  );
  CREATE INDEX IF NOT EXISTS entries_from_owner ON entries(from_owner, seq);
  CREATE INDEX IF NOT EXISTS entries_to_owner ON entries(to_owner, seq);
  CREATE TABLE IF NOT EXISTS balances (
    account TEXT PRIMARY KEY,
    owner TEXT,
    amount INTEGER NOT NULL,
    CHECK (amount >= 0 OR account = '${MINT}')
  );
  CREATE INDEX IF NOT EXISTS balances_by_owner ON balances(owner) WHERE owner IS NOT NULL;
  CREATE TABLE IF NOT EXISTS node_totals (
    node_id TEXT PRIMARY KEY,
    chunks INTEGER NOT NULL,
    credits INTEGER NOT NULL
  );
`;

interface EntryRow {
  seq: number;
  key: string;
  reason: NewEntry["reason"];
  from_account: string;
  to_account: string;
  amount: number;
  job_id: string | null;
  node_id: string | null;
  at: number;
}

const toEntry = (r: EntryRow): StoredEntry => ({
  seq: r.seq,
  key: r.key,
  reason: r.reason,
  from: r.from_account,
  to: r.to_account,
  amount: r.amount,
  at: r.at,
  ...(r.job_id ? { jobId: r.job_id } : {}),
  ...(r.node_id ? { nodeId: r.node_id } : {}),
});

export class SqliteLedgerStore implements LedgerStore {
  private readonly db: Database;
  private readonly applyBatch: ReturnType<Database["transaction"]>;

  constructor(path: string) {
    this.db = new Database(path, { create: true, strict: true });
    this.db.exec(SCHEMA);
    const exists = this.db.query<{ one: number }, [string]>("SELECT 1 AS one FROM entries WHERE key = ?");
    const balanceRow = this.db.query<{ amount: number; owner: string | null }, [string]>("SELECT amount, owner FROM balances WHERE account = ?");
    // Two statements, not an upsert: SQLite checks the CHECK constraint on the row an upsert would insert.
    const open = this.db.query("INSERT OR IGNORE INTO balances (account, owner, amount) VALUES (?, ?, 0)");
    const add = this.db.query("UPDATE balances SET amount = amount + ? WHERE account = ?");
    const move = (account: string, owner: string | null, amount: number) => {
      open.run(account, owner);
      add.run(amount, account);
    };
    const insert = this.db.query(
      `INSERT INTO entries (key, reason, from_account, to_account, from_owner, to_owner, amount, job_id, node_id, at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const nodeTotal = this.db.query(
      `INSERT INTO node_totals (node_id, chunks, credits) VALUES (?1, 1, ?2)
       ON CONFLICT(node_id) DO UPDATE SET chunks = chunks + 1, credits = credits + ?2`,
    );
    /** The user account that owns a ledger account: itself, or the funder of an escrow. */
    const ownerOf = (account: string, entry: NewEntry): string | null => {
      if (account === MINT) return null;
      if (!isEscrow(account)) return account;
      return balanceRow.get(account)?.owner ?? (entry.reason === "hold" ? entry.from : null);
    };

    this.applyBatch = this.db.transaction((entries: NewEntry[]) =>
      entries.map((e): ApplyOutcome => {
        assertAmount(e);
        if (exists.get(e.key)) return "duplicate";
        if (e.from !== MINT && (balanceRow.get(e.from)?.amount ?? 0) < e.amount) return "insufficient";
        const fromOwner = ownerOf(e.from, e);
        const toOwner = ownerOf(e.to, e);
        insert.run(e.key, e.reason, e.from, e.to, fromOwner, toOwner, e.amount, e.jobId ?? null, e.nodeId ?? null, e.at);
        move(e.from, fromOwner, -e.amount);
        move(e.to, toOwner, e.amount);
        if (e.reason === "payout" && e.nodeId) nodeTotal.run(e.nodeId, e.amount);
        return "applied";
      }),
    );
  }

  async apply(entries: NewEntry[]): Promise<ApplyOutcome[]> {
    // Immediate: the batch reads before it writes, and a deferred transaction that must upgrade
    // its lock while another process (a second credits replica on this file) writes fails at once
    // with "database is locked" instead of waiting out busy_timeout.
    return this.applyBatch.immediate(entries) as ApplyOutcome[];
  }

  async balance(account: string): Promise<number> {
    return this.db.query<{ amount: number }, [string]>("SELECT amount FROM balances WHERE account = ?").get(account)?.amount ?? 0;
  }

  async held(owner: string): Promise<number> {
    const row = this.db
      .query<{ held: number | null }, [string]>("SELECT SUM(amount) AS held FROM balances WHERE owner = ? AND account LIKE 'escrow:%'")
      .get(owner);
    return row?.held ?? 0;
  }

  async entriesOf(owner: string, opts: { before?: number; limit: number }): Promise<StoredEntry[]> {
    const before = opts.before ?? Number.MAX_SAFE_INTEGER;
    const rows = this.db
      .query<EntryRow, [string, number, string, number, number]>(
        `SELECT * FROM entries WHERE from_owner = ? AND seq < ?
         UNION SELECT * FROM entries WHERE to_owner = ? AND seq < ?
         ORDER BY seq DESC LIMIT ?`,
      )
      .all(owner, before, owner, before, opts.limit);
    return rows.map(toEntry);
  }

  async earnings(nodeIds: string[]): Promise<Map<string, NodeEarnings>> {
    const out = new Map<string, NodeEarnings>();
    const row = this.db.query<{ chunks: number; credits: number }, [string]>("SELECT chunks, credits FROM node_totals WHERE node_id = ?");
    for (const id of nodeIds) {
      const r = row.get(id);
      if (r) out.set(id, r);
    }
    return out;
  }

  async totals(): Promise<LedgerTotals> {
    const r = this.db
      .query<{ granted: number | null; accounts: number | null; escrow: number | null }, []>(
        `SELECT -SUM(CASE WHEN account = '${MINT}' THEN amount END) AS granted,
                SUM(CASE WHEN account <> '${MINT}' AND account NOT LIKE 'escrow:%' THEN amount END) AS accounts,
                SUM(CASE WHEN account LIKE 'escrow:%' THEN amount END) AS escrow
         FROM balances`,
      )
      .get();
    return { granted: r?.granted ?? 0, accounts: r?.accounts ?? 0, escrow: r?.escrow ?? 0 };
  }

  async openEscrows(opts: { heldBefore: number; after?: string; limit: number }): Promise<OpenEscrowsPage> {
    const scanned = this.db
      .query<{ account: string; owner: string | null; amount: number }, [string, string, number]>(
        "SELECT account, owner, amount FROM balances WHERE account > ? AND account < ? ORDER BY account LIMIT ?",
      )
      .all(escrowAccount(opts.after ?? ""), escrowAccount("\uffff"), opts.limit);
    const holdAt = this.db.query<{ at: number }, [string]>("SELECT at FROM entries WHERE key = ?");
    const escrows = scanned.flatMap((b) => {
      const jobId = b.account.slice(escrowAccount("").length);
      const heldAt = holdAt.get(holdKey(jobId))?.at;
      return b.amount > 0 && b.owner && heldAt !== undefined && heldAt < opts.heldBefore ? [{ jobId, owner: b.owner, amount: b.amount, heldAt }] : [];
    });
    const last = scanned.at(-1);
    return { escrows, next: scanned.length === opts.limit && last ? last.account.slice(escrowAccount("").length) : null };
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
