import { Database } from "bun:sqlite";
import { MedusaError, type AccountRow, type AccountStore, type NodeRow, type Principal, type VerifiedToken } from "@medusa/core";
import { normalizeEmail } from "./normalize-email.ts";

/**
 * Accounts in one SQLite file (the embedded default). API keys, login tokens
 * and node tokens share one table keyed by their sha256, so resolving any
 * bearer credential is a single lookup.
 */
const SCHEMA = `
  CREATE TABLE IF NOT EXISTS accounts (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    created_at INTEGER NOT NULL
  );
  CREATE TABLE IF NOT EXISTS nodes (
    id TEXT PRIMARY KEY,
    owner_id TEXT NOT NULL REFERENCES accounts(id),
    name TEXT NOT NULL,
    created_at INTEGER NOT NULL
  );
  CREATE INDEX IF NOT EXISTS nodes_by_owner ON nodes(owner_id, created_at);
  CREATE TABLE IF NOT EXISTS tokens (
    hash TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('apiKey', 'login', 'node')),
    account_id TEXT,
    node_id TEXT,
    owner_id TEXT,
    expires_at INTEGER
  );
  CREATE TABLE IF NOT EXISTS confirmations (
    hash TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id)
  );
  CREATE TABLE IF NOT EXISTS activation_codes (
    hash TEXT PRIMARY KEY,
    owner_id TEXT NOT NULL REFERENCES accounts(id),
    name TEXT NOT NULL,
    expires_at INTEGER NOT NULL
  );
`;

interface AccountRecord {
  id: string;
  email: string;
  password_hash: string;
  created_at: number;
  confirmed_at: number | null;
}
interface NodeRecord {
  id: string;
  owner_id: string;
  name: string;
  created_at: number;
}
interface TokenRecord {
  kind: "apiKey" | "login" | "node";
  account_id: string | null;
  node_id: string | null;
  owner_id: string | null;
  expires_at: number | null;
}

const toAccount = (r: AccountRecord): AccountRow => ({ id: r.id, email: r.email, passwordHash: r.password_hash, createdAt: r.created_at, confirmedAt: r.confirmed_at });
const toNode = (r: NodeRecord): NodeRow => ({ id: r.id, ownerId: r.owner_id, name: r.name, createdAt: r.created_at });

const isUniqueViolation = (err: unknown) => (err as { code?: unknown } | null)?.code === "SQLITE_CONSTRAINT_UNIQUE" || (err as { code?: unknown } | null)?.code === "SQLITE_CONSTRAINT_PRIMARYKEY";

export class SqliteAccountStore implements AccountStore {
  private readonly db: Database;

  constructor(path: string | ":memory:") {
    this.db = new Database(path, { create: true, strict: true });
    // The busy timeout first: another process (a second credits replica) may hold the lock WAL mode needs.
    this.db.run("PRAGMA busy_timeout = 5000");
    this.db.run("PRAGMA journal_mode = WAL");
    this.db.run("PRAGMA foreign_keys = ON");
    this.db.run(SCHEMA);
    const columns = this.db.query("PRAGMA table_info(accounts)").all() as Array<{ name: string }>;
    if (!columns.some((c) => c.name === "confirmed_at")) {
      // Accounts made before confirmation existed got their grant at sign-up: they count as confirmed then.
      this.db.run("ALTER TABLE accounts ADD COLUMN confirmed_at INTEGER");
      this.db.run("UPDATE accounts SET confirmed_at = created_at");
    }
  }

  async createAccount(row: AccountRow, apiKeyHash: string, confirmHash?: string): Promise<void> {
    const insert = this.db.transaction(() => {
      this.db
        .query("INSERT INTO accounts (id, email, password_hash, created_at, confirmed_at) VALUES ($id, $email, $hash, $at, $confirmedAt)")
        .run({ id: row.id, email: normalizeEmail(row.email), hash: row.passwordHash, at: row.createdAt, confirmedAt: row.confirmedAt });
      this.db.query("INSERT INTO tokens (hash, kind, account_id) VALUES ($hash, 'apiKey', $id)").run({ hash: apiKeyHash, id: row.id });
      if (confirmHash) this.db.query("INSERT INTO confirmations (hash, account_id) VALUES ($hash, $id)").run({ hash: confirmHash, id: row.id });
    });
    try {
      insert();
    } catch (err) {
      if (isUniqueViolation(err) && String((err as Error).message).includes("accounts.email")) {
        throw new MedusaError("conflict", "email is already registered");
      }
      throw err;
    }
  }

  async accountByEmail(email: string): Promise<AccountRow | null> {
    const r = this.db.query<AccountRecord, { email: string }>("SELECT * FROM accounts WHERE email = $email").get({ email: normalizeEmail(email) });
    return r ? toAccount(r) : null;
  }

  async accountById(id: string): Promise<AccountRow | null> {
    const r = this.db.query<AccountRecord, { id: string }>("SELECT * FROM accounts WHERE id = $id").get({ id });
    return r ? toAccount(r) : null;
  }

  async confirmAccount(confirmHash: string, now: number): Promise<AccountRow | null> {
    const r = this.db
      .query<AccountRecord, { hash: string; now: number }>(
        "UPDATE accounts SET confirmed_at = coalesce(confirmed_at, $now) WHERE id = (SELECT account_id FROM confirmations WHERE hash = $hash) RETURNING *",
      )
      .get({ hash: confirmHash, now });
    return r ? toAccount(r) : null;
  }

  async addLoginToken(tokenHash: string, accountId: string, expiresAt: number): Promise<void> {
    this.db
      .query("INSERT INTO tokens (hash, kind, account_id, expires_at) VALUES ($hash, 'login', $accountId, $expiresAt)")
      .run({ hash: tokenHash, accountId, expiresAt });
  }

  async createNode(row: NodeRow, tokenHash: string): Promise<void> {
    this.db.transaction(() => {
      this.db
        .query("INSERT INTO nodes (id, owner_id, name, created_at) VALUES ($id, $ownerId, $name, $at)")
        .run({ id: row.id, ownerId: row.ownerId, name: row.name, at: row.createdAt });
      this.db
        .query("INSERT INTO tokens (hash, kind, node_id, owner_id) VALUES ($hash, 'node', $nodeId, $ownerId)")
        .run({ hash: tokenHash, nodeId: row.id, ownerId: row.ownerId });
    })();
  }

  async nodesOf(ownerId: string): Promise<NodeRow[]> {
    return this.db
      .query<NodeRecord, { ownerId: string }>("SELECT * FROM nodes WHERE owner_id = $ownerId ORDER BY created_at, id")
      .all({ ownerId })
      .map(toNode);
  }

  async nodeById(id: string): Promise<NodeRow | null> {
    const r = this.db.query<NodeRecord, { id: string }>("SELECT * FROM nodes WHERE id = $id").get({ id });
    return r ? toNode(r) : null;
  }

  async addActivationCode(codeHash: string, ownerId: string, name: string, expiresAt: number): Promise<void> {
    this.db.transaction(() => {
      // Codes nobody spent are clutter: any that expired a day before this one will go, as it comes.
      this.db.query("DELETE FROM activation_codes WHERE expires_at <= $cutoff").run({ cutoff: expiresAt - 24 * 3600_000 });
      this.db.query("INSERT INTO activation_codes (hash, owner_id, name, expires_at) VALUES ($hash, $ownerId, $name, $expiresAt)").run({ hash: codeHash, ownerId, name, expiresAt });
    })();
  }

  /** One DELETE … RETURNING: the row goes with the first caller, so a code is spent once. */
  async takeActivationCode(codeHash: string, now: number): Promise<{ ownerId: string; name: string } | null> {
    const r = this.db
      .query<{ owner_id: string; name: string; expires_at: number }, { hash: string }>("DELETE FROM activation_codes WHERE hash = $hash RETURNING owner_id, name, expires_at")
      .get({ hash: codeHash });
    return r && r.expires_at > now ? { ownerId: r.owner_id, name: r.name } : null;
  }

  async tokenByHash(tokenHash: string, now: number): Promise<VerifiedToken | null> {
    const t = this.db.query<TokenRecord, { hash: string }>("SELECT kind, account_id, node_id, owner_id, expires_at FROM tokens WHERE hash = $hash").get({ hash: tokenHash });
    if (!t) return null;
    if (t.expires_at !== null && t.expires_at <= now) return null;
    const principal: Principal = t.kind === "node" ? { kind: "node", nodeId: t.node_id!, ownerId: t.owner_id! } : { kind: "account", accountId: t.account_id! };
    return { principal, expiresAt: t.expires_at };
  }

  async principalByTokenHash(tokenHash: string, now: number): Promise<Principal | null> {
    return (await this.tokenByHash(tokenHash, now))?.principal ?? null;
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
