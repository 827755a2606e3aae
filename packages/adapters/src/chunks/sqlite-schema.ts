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
  spent INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS jobs_by_owner ON jobs (owner, created_at);

CREATE TABLE IF NOT EXISTS chunks (
  job_id TEXT NOT NULL,
  idx INTEGER NOT NULL,
  task TEXT NOT NULL,
  state TEXT NOT NULL,
  item_offset INTEGER NOT NULL,
  item_count INTEGER NOT NULL,
  input TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  token TEXT,
  node_id TEXT,
  expires_at REAL,
  results TEXT,
  queue_pos INTEGER,
  PRIMARY KEY (job_id, idx)
);
CREATE INDEX IF NOT EXISTS chunks_in_queue ON chunks (queue_pos) WHERE queue_pos IS NOT NULL;
CREATE INDEX IF NOT EXISTS chunks_by_expiry ON chunks (expires_at) WHERE expires_at IS NOT NULL;
CREATE INDEX IF NOT EXISTS chunks_by_node ON chunks (node_id) WHERE node_id IS NOT NULL;

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
CREATE TABLE IF NOT EXISTS settlements (
  key TEXT PRIMARY KEY,
  body TEXT NOT NULL
);
`;

/** Columns added after the first release, for data folders made before them. */
export const ADDED_COLUMNS: Array<{ table: string; column: string; ddl: string }> = [
  { table: "jobs", column: "price", ddl: "ALTER TABLE jobs ADD COLUMN price INTEGER NOT NULL DEFAULT 0" },
  { table: "jobs", column: "held", ddl: "ALTER TABLE jobs ADD COLUMN held INTEGER NOT NULL DEFAULT 0" },
  { table: "jobs", column: "spent", ddl: "ALTER TABLE jobs ADD COLUMN spent INTEGER NOT NULL DEFAULT 0" },
];

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
  token: string | null;
  node_id: string | null;
  expires_at: number | null;
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
    replicas: row.replicas,
    credits: { price: row.price, held: row.held, spent: row.spent },
    createdAt: row.created_at,
    ...(row.finished_at === null ? {} : { finishedAt: row.finished_at }),
    ...(row.error === null ? {} : { error: row.error }),
  });
}
