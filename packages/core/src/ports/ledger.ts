import type { LedgerReason } from "../ledger.ts";

/**
 * The ledger port: append-only entries with unique keys, and balances derived
 * from them, cached in the same atomic write as each entry. Adapters: MongoDB
 * and SQLite, one contract suite.
 */
export interface NewEntry {
  key: string;
  reason: LedgerReason;
  from: string;
  to: string;
  amount: number;
  jobId?: string;
  nodeId?: string;
  at: number;
}

export interface StoredEntry extends NewEntry {
  seq: number;
}

export type ApplyOutcome =
  /** Written, with both balances. */
  | "applied"
  /** An entry with this key exists: nothing changed (a redelivery). */
  | "duplicate"
  /** `from` (not the mint) holds less than `amount`: nothing changed. */
  | "insufficient";

export interface NodeEarnings {
  chunks: number;
  credits: number;
}

export interface LedgerTotals {
  /** Sum of all grants (−balance of the mint). */
  granted: number;
  /** Sum of every user account's balance. */
  accounts: number;
  /** Sum of every job escrow's balance. */
  escrow: number;
}

/** A job's escrow that still holds credits: what the escrow reaper checks against the jobs that exist. */
export interface OpenEscrow {
  jobId: string;
  /** Whose hold funded it: where a refund goes. */
  owner: string;
  amount: number;
  /** When the hold was made (ms since epoch). */
  heldAt: number;
}

export interface OpenEscrowsPage {
  escrows: OpenEscrow[];
  /** Pass as `after` for the next page; null when the scan reached the end. */
  next: string | null;
}

export interface LedgerStore {
  /**
   * Applies each entry atomically with its two balance changes, in order.
   * The escrow of a job belongs to whoever the `hold` entry funding it came from.
   */
  apply(entries: NewEntry[]): Promise<ApplyOutcome[]>;
  balance(account: string): Promise<number>;
  /** Sum of the escrow balances of `owner`'s jobs. */
  held(owner: string): Promise<number>;
  /** Entries that touch `owner`'s account or one of its escrows, newest first, seq < before. */
  entriesOf(owner: string, opts: { before?: number; limit: number }): Promise<StoredEntry[]>;
  /** Payout totals per node id (nodes without payouts are absent). */
  earnings(nodeIds: string[]): Promise<Map<string, NodeEarnings>>;
  totals(): Promise<LedgerTotals>;
  /**
   * Escrows holding credits whose hold is older than `heldBefore`, in job id
   * order after `after`: up to `limit` escrows are scanned per page, so a
   * page may hold fewer (or none) and still have a `next`.
   */
  openEscrows(opts: { heldBefore: number; after?: string; limit: number }): Promise<OpenEscrowsPage>;
  close(): Promise<void>;
}

/** Credits are whole, non-negative and exact in a double: anything else is a caller's bug, refused before it is written. */
export function assertAmount(e: NewEntry): void {
  if (!Number.isSafeInteger(e.amount) || e.amount < 0) throw new Error(`ledger entry ${e.key}: amount ${e.amount} is not a whole number of credits`);
}
