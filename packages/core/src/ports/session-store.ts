import type { SessionRoundResult, SessionState } from "../session.ts";
import type { SessionHolder, SessionRecord } from "../session-record.ts";

/** How a host's write went: taken, refused because another gateway hosts now, or because the session is over. */
export type SessionWrite = "ok" | "not_host" | "final" | "stale" | "spent";

/**
 * Sessions' durable state, beside the jobs in the chunk store (Redis or
 * SQLite) and writing to the same settlement outbox, so a round's payouts
 * and a session's refund are recorded in the write that earns them and
 * forwarded by the scheduler like a job's.
 *
 * Hosting is a lease: one gateway at a time runs a session (`host`,
 * renewed while it does); when it lapses (the gateway died) any gateway may
 * take it (`hostSession`, `orphanSessions`). Every write names its host and
 * is refused for any other, so a gateway that lost the lease cannot pay a
 * round the new host also pays.
 */
export interface SessionStore {
  /** Stores a new session hosted by `record.host`; a second create of the same id is a no-op. */
  createSession(record: SessionRecord): Promise<void>;
  getSession(id: string): Promise<SessionRecord | null>;
  /** Takes or renews the hosting lease when it is free, lapsed, or already `gateway`'s; the record, or null when another holds it or the session is over. */
  hostSession(id: string, gateway: string, now: number, leaseMs: number): Promise<SessionRecord | null>;
  /** Up to `limit` unfinished sessions whose host's lease lapsed before `now`. */
  orphanSessions(now: number, limit: number): Promise<string[]>;
  /** The host records which nodes hold which partitions (and, with `ready`, that every one is set up: the session is ready). */
  placeSession(id: string, gateway: string, placement: Array<SessionHolder | null>, ready?: boolean): Promise<SessionWrite>;
  /**
   * Round `result.round` completed: taken only when it is the next round
   * (else `stale`) and the escrow covers it (else `spent`); pays each
   * node `price` times the partitions it answered (`holders`: per partition,
   * its node), one outbox entry per node, adds to `spent`, keeps the result
   * as `last`, and marks the session active at `now`.
   */
  completeRound(id: string, gateway: string, result: SessionRoundResult, holders: string[], now: number): Promise<SessionWrite>;
  /** Ends the session (once; any caller): records the refund of `held − spent` in the outbox. The record as it is now, or null when unknown. */
  endSession(id: string, state: Extract<SessionState, "ended" | "failed">, reason: string, now: number): Promise<SessionRecord | null>;
  close(): Promise<void>;
}
