import { SessionRecord, type SessionRoundResult } from "@medusa/core";

/**
 * How both session adapters lay a record out: the fields a round changes
 * (`rounds`, `spent`, `activeAt`, `last`) and the ones it checks (`host`,
 * `price`, `held`, `partitions`, and whether the session is over) stored on
 * their own beside the rest, so that a round is a small write that neither
 * reads nor rewrites the whole record. The rest (`terms`) is one JSON text
 * written by every other transition.
 */
export interface StoredSession {
  terms: string;
  host: string;
  final: boolean;
  price: number;
  held: number;
  partitions: number;
  rounds: number;
  spent: number;
  activeAt: number;
  /** The last round's result as JSON; absent before the first round. */
  last?: string;
}

/** The stored round fields, or null for a record an older release wrote whole (its terms hold them). */
export interface StoredRound {
  rounds: number;
  spent: number;
  activeAt: number;
  last: string | null;
}

export function storedSession(record: SessionRecord): StoredSession {
  const { rounds, spent, activeAt, last, ...terms } = record;
  return {
    terms: JSON.stringify(terms),
    host: record.host,
    final: record.state === "ended" || record.state === "failed",
    price: record.price,
    held: record.held,
    partitions: record.partitions,
    rounds,
    spent,
    activeAt,
    ...(last ? { last: JSON.stringify(last) } : {}),
  };
}

/** The record back from its terms and its round fields (parsed: it crossed a process boundary). */
export function sessionFromStore(terms: string, round: StoredRound | null): SessionRecord {
  const parsed = JSON.parse(terms) as Record<string, unknown>;
  if (!round) return SessionRecord.parse(parsed);
  const last = round.last === null ? {} : { last: JSON.parse(round.last) as SessionRoundResult };
  return SessionRecord.parse({ ...parsed, rounds: round.rounds, spent: round.spent, activeAt: round.activeAt, ...last });
}
