import type { Database } from "bun:sqlite";
import { JobRecord } from "@medusa/core";

/**
 * Tables of the SQLite chunk store. A chunk is in the queue exactly when its
 * `queue_pos` is set; the queue's order is `queue_pos` ascending. Pushing to
 * the back takes the next of an increasing counter, pushing to the front the
 * next of a decreasing one, so both ends stay O(log n) with one index.
 */
export const SCHEMA = `
CREATE TABLE IF NOT EXISTS jobs (
  id TEXT PRIMARY KEY,
  owner TEXT NOT NULL,
  name TEXT NOT NULL,
  program TEXT NOT NULL,
  has_reduce INTEGER NOT NULL,
  state TEXT NOT NULL,
  total INTEGER NOT NULL DEFAULT 0,
  done INTEGER NOT NULL DEFAULT 0,
  running INTEGER NOT NULL DEFAULT 0,
  failed INTEGER NOT NULL DEFAULT 0,
  sealed INTEGER NOT NULL DEFAULT 0,
  items INTEGER NOT NULL,
  timeout_ms INTEGER NOT NULL,
  max_attempts INTEGER NOT NULL,
  replicas INTEGER NOT NULL,
  created_at REAL NOT NULL,
  finished_at REAL,
  error TEXT,
  lease_ms INTEGER NOT NULL,
  maps INTEGER NOT NULL DEFAULT 0,
  reduce_queued INTEGER NOT NULL DEFAULT 0,
  event_seq INTEGER NOT NULL DEFAULT 0,
  price INTEGER NOT NULL DEFAULT 0,
  held INTEGER NOT NULL DEFAULT 0,
  spent INTEGER NOT NULL DEFAULT 0,
  quorum INTEGER NOT NULL DEFAULT 1,
  adaptive INTEGER NOT NULL DEFAULT 0,
  min_reputation INTEGER NOT NULL DEFAULT 0,
  held_ms INTEGER NOT NULL DEFAULT 0 -- lease-to-result ms of its accepted results, summed (see backupAfterMs)
);
CREATE INDEX IF NOT EXISTS jobs_by_owner ON jobs (owner, created_at);
-- The retention sweep's index: final jobs by when they finished.
CREATE INDEX IF NOT EXISTS jobs_by_finish ON jobs (finished_at) WHERE finished_at IS NOT NULL;

-- state: waiting (a reduce before its maps are done), queued (wants results:
-- in the queue while it wants more replicas than it has), done or failed.
-- quorum 0 is an "auto" chunk nobody has leased yet; unpaid_node is the node
-- whose result was accepted alone, paid when the job ends.
CREATE TABLE IF NOT EXISTS chunks (
  job_id TEXT NOT NULL,
  idx INTEGER NOT NULL,
  task TEXT NOT NULL,
  state TEXT NOT NULL,
  item_offset INTEGER NOT NULL,
  item_count INTEGER NOT NULL,
  input TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  failures INTEGER NOT NULL DEFAULT 0,
  releases INTEGER NOT NULL DEFAULT 0,
  wanted INTEGER NOT NULL DEFAULT 1,
  quorum INTEGER NOT NULL DEFAULT 1,
  unpaid_node TEXT,
  results TEXT,
  queue_pos INTEGER,
  PRIMARY KEY (job_id, idx)
);
CREATE INDEX IF NOT EXISTS chunks_in_queue ON chunks (queue_pos) WHERE queue_pos IS NOT NULL;

-- One row per node working on (leased) or having answered (done) a chunk
-- that is still open. hash is what replicas vote with.
CREATE TABLE IF NOT EXISTS replicas (
  job_id TEXT NOT NULL,
  idx INTEGER NOT NULL,
  node_id TEXT NOT NULL,
  owner TEXT NOT NULL,
  origin TEXT,
  state TEXT NOT NULL,
  token TEXT,
  expires_at REAL,
  lease_until REAL, -- the most a renewed lease may last (see renewLeases)
  hash TEXT,
  results TEXT,
  PRIMARY KEY (job_id, idx, node_id)
);
CREATE INDEX IF NOT EXISTS replicas_by_expiry ON replicas (expires_at) WHERE expires_at IS NOT NULL;
CREATE INDEX IF NOT EXISTS replicas_by_node ON replicas (node_id) WHERE state = 'leased';

CREATE TABLE IF NOT EXISTS reputations (
  node_id TEXT PRIMARY KEY,
  agreed INTEGER NOT NULL DEFAULT 0,
  disagreed INTEGER NOT NULL DEFAULT 0,
  streak INTEGER NOT NULL DEFAULT 0,
  accepted INTEGER NOT NULL DEFAULT 0,
  expired INTEGER NOT NULL DEFAULT 0
);

-- Nodes a chunk's lease ran out on, and when: it is not leased to them again for the job's lease_ms.
CREATE TABLE IF NOT EXISTS lease_expiries (
  job_id TEXT NOT NULL,
  idx INTEGER NOT NULL,
  node_id TEXT NOT NULL,
  expired_at REAL NOT NULL DEFAULT 0,
  PRIMARY KEY (job_id, idx, node_id)
);

CREATE TABLE IF NOT EXISTS events (
  job_id TEXT NOT NULL,
  id INTEGER NOT NULL,
  body TEXT NOT NULL,
  PRIMARY KEY (job_id, id)
);

CREATE TABLE IF NOT EXISTS queue_ends (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  front INTEGER NOT NULL,
  back INTEGER NOT NULL
);
INSERT OR IGNORE INTO queue_ends (id, front, back) VALUES (1, 0, 0);

-- The settlement outbox: payouts and refunds recorded with the transition
-- that earned them, until the scheduler has handed them to the settlement queue.
-- claimed_until: a forwarder's claim on the entry (ms); 0 when nobody holds one.
CREATE TABLE IF NOT EXISTS settlements (
  key TEXT PRIMARY KEY,
  body TEXT NOT NULL,
  claimed_until REAL NOT NULL DEFAULT 0
);

-- A job's split as a durable task (ports/chunk-store.ts: Splits), open while
-- its row exists (until the job is sealed or final). due_at: when the
-- holder's lease, or the wait for a first claim, ends.
CREATE TABLE IF NOT EXISTS splits (
  job_id TEXT PRIMARY KEY,
  request TEXT NOT NULL,
  token TEXT NOT NULL DEFAULT '',
  holder TEXT,
  due_at REAL NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 1,
  error TEXT NOT NULL DEFAULT '',
  handed_back INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS splits_by_due ON splits (due_at);

-- Jobs deleted at the end of their retention, remembered a while so that
-- asking for one says it is gone (see sqlite-retention.ts).
CREATE TABLE IF NOT EXISTS expired_jobs (
  id TEXT PRIMARY KEY,
  owner TEXT NOT NULL,
  state TEXT NOT NULL,
  finished_at REAL NOT NULL,
  expired_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS expired_jobs_by_time ON expired_jobs (expired_at);
`;

/** Columns added after the first release, for data folders made before them. */
export const ADDED_COLUMNS: Array<{ table: string; column: string; ddl: string }> = [
  { table: "jobs", column: "price", ddl: "ALTER TABLE jobs ADD COLUMN price INTEGER NOT NULL DEFAULT 0" },
  { table: "jobs", column: "held", ddl: "ALTER TABLE jobs ADD COLUMN held INTEGER NOT NULL DEFAULT 0" },
  { table: "jobs", column: "spent", ddl: "ALTER TABLE jobs ADD COLUMN spent INTEGER NOT NULL DEFAULT 0" },
  { table: "jobs", column: "quorum", ddl: "ALTER TABLE jobs ADD COLUMN quorum INTEGER NOT NULL DEFAULT 1" },
  { table: "jobs", column: "adaptive", ddl: "ALTER TABLE jobs ADD COLUMN adaptive INTEGER NOT NULL DEFAULT 0" },
  { table: "chunks", column: "failures", ddl: "ALTER TABLE chunks ADD COLUMN failures INTEGER NOT NULL DEFAULT 0" },
  { table: "chunks", column: "wanted", ddl: "ALTER TABLE chunks ADD COLUMN wanted INTEGER NOT NULL DEFAULT 1" },
  { table: "chunks", column: "quorum", ddl: "ALTER TABLE chunks ADD COLUMN quorum INTEGER NOT NULL DEFAULT 1" },
  { table: "chunks", column: "unpaid_node", ddl: "ALTER TABLE chunks ADD COLUMN unpaid_node TEXT" },
  { table: "jobs", column: "min_reputation", ddl: "ALTER TABLE jobs ADD COLUMN min_reputation INTEGER NOT NULL DEFAULT 0" },
  { table: "replicas", column: "origin", ddl: "ALTER TABLE replicas ADD COLUMN origin TEXT" },
  { table: "reputations", column: "accepted", ddl: "ALTER TABLE reputations ADD COLUMN accepted INTEGER NOT NULL DEFAULT 0" },
  { table: "reputations", column: "expired", ddl: "ALTER TABLE reputations ADD COLUMN expired INTEGER NOT NULL DEFAULT 0" },
  { table: "chunks", column: "releases", ddl: "ALTER TABLE chunks ADD COLUMN releases INTEGER NOT NULL DEFAULT 0" },
  { table: "settlements", column: "claimed_until", ddl: "ALTER TABLE settlements ADD COLUMN claimed_until REAL NOT NULL DEFAULT 0" },
  { table: "replicas", column: "lease_until", ddl: "ALTER TABLE replicas ADD COLUMN lease_until REAL" },
  { table: "lease_expiries", column: "expired_at", ddl: "ALTER TABLE lease_expiries ADD COLUMN expired_at REAL NOT NULL DEFAULT 0" },
  { table: "jobs", column: "held_ms", ddl: "ALTER TABLE jobs ADD COLUMN held_ms INTEGER NOT NULL DEFAULT 0" },
];

/** Adds each column a table made by an older release lacks (the sessions' table, in the same file, uses it too). */
export function addMissingColumns(db: Database, added: Array<{ table: string; column: string; ddl: string }>): void {
  for (const { table, column, ddl } of added) {
    const columns = db.query(`PRAGMA table_info(${table})`).all() as Array<{ name: string }>;
    if (!columns.some((c) => c.name === column)) db.exec(ddl);
  }
}

/**
 * Brings a data folder made by an older release up to date: adds the columns
 * it lacks, and puts back chunks leased under the one-lease-per-chunk model
 * (their leases lived on the chunk row, which no longer holds any).
 */
export function migrateSchema(db: Database): void {
  addMissingColumns(db, ADDED_COLUMNS);
  db.transaction(() => {
    const { n } = db.query("SELECT count(*) AS n FROM chunks WHERE state = 'leased'").get() as { n: number };
    if (n === 0) return;
    db.exec("UPDATE queue_ends SET front = front - 1");
    db.exec("UPDATE chunks SET state = 'queued', queue_pos = (SELECT front FROM queue_ends) WHERE state = 'leased'");
    db.exec("UPDATE jobs SET running = 0 WHERE state IN ('queued', 'running')");
  }).immediate();
}

export interface JobRow {
  id: string;
  owner: string;
  name: string;
  program: string;
  has_reduce: number;
  state: string;
  total: number;
  done: number;
  running: number;
  failed: number;
  sealed: number;
  items: number;
  timeout_ms: number;
  max_attempts: number;
  min_reputation: number;
  held_ms: number;
  replicas: number;
  created_at: number;
  finished_at: number | null;
  error: string | null;
  lease_ms: number;
  maps: number;
  reduce_queued: number;
  event_seq: number;
  price: number;
  held: number;
  spent: number;
  /** For "auto" jobs: replicas holds 2, what the escrow was sized for. */
  quorum: number;
  adaptive: number;
}

export interface ChunkRow {
  job_id: string;
  idx: number;
  task: string;
  state: string;
  item_offset: number;
  item_count: number;
  input: string;
  attempts: number;
  failures: number;
  /** Times a node that left took the chunk's lease with it (FREE_RELEASES of them are free). */
  releases: number;
  wanted: number;
  quorum: number;
  unpaid_node: string | null;
  results: string | null;
  queue_pos: number | null;
}

export interface ReplicaRow {
  job_id: string;
  idx: number;
  node_id: string;
  owner: string;
  state: "leased" | "done";
  token: string | null;
  expires_at: number | null;
  hash: string | null;
  results: string | null;
}

export function recordFromRow(row: JobRow): JobRecord {
  return JobRecord.parse({
    id: row.id,
    owner: row.owner,
    name: row.name,
    program: JSON.parse(row.program),
    hasReduce: row.has_reduce === 1,
    state: row.state,
    chunks: { total: row.total, done: row.done, running: row.running, failed: row.failed },
    sealed: row.sealed === 1,
    items: row.items,
    timeoutMs: row.timeout_ms,
    maxAttempts: row.max_attempts,
    ...(row.min_reputation > 0 ? { minReputation: row.min_reputation } : {}),
    replicas: row.adaptive ? "auto" : row.replicas,
    quorum: row.quorum,
    credits: { price: row.price, held: row.held, spent: row.spent },
    createdAt: row.created_at,
    ...(row.finished_at === null ? {} : { finishedAt: row.finished_at }),
    ...(row.error === null ? {} : { error: row.error }),
  });
}
