import { refundKey, roundPayoutKey, type SessionHolder, type SessionRecord, type SessionRoundResult, type SessionState, type SessionStore, type SessionWrite, type Settlement } from "@medusa/core";

/**
 * What a session adapter stores: one versioned record per session, written
 * only if its version is still the one read, together with the settlements
 * the write earned (into the chunk store's outbox) and the index of hosting
 * leases. Each adapter makes `write` one atomic step (a Lua script, a SQLite
 * transaction).
 */
export interface SessionCells {
  read(id: string): Promise<{ version: number; record: SessionRecord } | null>;
  /** Stores version 1 unless the id exists. */
  insert(record: SessionRecord): Promise<void>;
  /** False when the record is no longer at `version` (someone wrote first). */
  write(record: SessionRecord, version: number, settlements: Settlement[]): Promise<boolean>;
  orphans(now: number, limit: number): Promise<string[]>;
  close(): Promise<void>;
}

type Step<T> = (r: SessionRecord) => { record?: SessionRecord; settlements?: Settlement[]; result: T };

const final = (r: SessionRecord) => r.state === "ended" || r.state === "failed";

/**
 * A round's payouts: one per node, for `price` times the partitions it
 * answered. One entry per partition made a round of 20 partitions 20 outbox
 * entries for the forwarder and the ledger to carry, and their passes (every
 * 100 ms, a thousand entries at W5's pace) stalled the rounds behind them.
 */
export function roundPayouts(sessionId: string, round: number, holders: string[], price: number): Settlement[] {
  if (price <= 0) return [];
  const shares = new Map<string, number>();
  for (const nodeId of holders) shares.set(nodeId, (shares.get(nodeId) ?? 0) + 1);
  return [...shares].map(([nodeId, n]) => ({ v: 1, kind: "payout", key: roundPayoutKey(sessionId, round, nodeId), jobId: sessionId, nodeId, amount: price * n }));
}

/**
 * Every session transition, once for both adapters: read, decide, write if
 * nobody wrote in between, else decide again. Sessions are written a few
 * times per round, by one host at a time, so a conflict is rare and one
 * retry settles it; keeping the rules here keeps Redis and SQLite alike.
 */
export class CasSessionStore implements SessionStore {
  constructor(private readonly cells: SessionCells) {}

  createSession(record: SessionRecord): Promise<void> {
    return this.cells.insert(record);
  }

  async getSession(id: string): Promise<SessionRecord | null> {
    return (await this.cells.read(id))?.record ?? null;
  }

  hostSession(id: string, gateway: string, now: number, leaseMs: number): Promise<SessionRecord | null> {
    return this.step(id, null, (r) => {
      if (final(r) || (r.host !== gateway && r.hostUntil > now)) return { result: null };
      const record = { ...r, host: gateway, hostUntil: now + leaseMs };
      return { record, result: record };
    });
  }

  orphanSessions(now: number, limit: number): Promise<string[]> {
    return this.cells.orphans(now, limit);
  }

  placeSession(id: string, gateway: string, placement: Array<SessionHolder | null>, ready = false): Promise<SessionWrite> {
    return this.step<SessionWrite>(id, "final", (r) => {
      const refused = this.refusal(r, gateway);
      return refused ? { result: refused } : { record: { ...r, placement, ...(ready ? { state: "ready" as const } : {}) }, result: "ok" };
    });
  }

  completeRound(id: string, gateway: string, result: SessionRoundResult, holders: string[], now: number): Promise<SessionWrite> {
    return this.step<SessionWrite>(id, "final", (r) => {
      const refused = this.refusal(r, gateway);
      if (refused) return { result: refused };
      if (result.round !== r.rounds + 1) return { result: "stale" };
      const cost = r.price * r.partitions;
      if (r.spent + cost > r.held) return { result: "spent" };
      const settlements = roundPayouts(id, result.round, holders, r.price);
      return { record: { ...r, rounds: result.round, spent: r.spent + cost, last: result, activeAt: now }, settlements, result: "ok" };
    });
  }

  endSession(id: string, state: Extract<SessionState, "ended" | "failed">, reason: string, _now: number): Promise<SessionRecord | null> {
    return this.step(id, null, (r) => {
      if (final(r)) return { result: r };
      const record: SessionRecord = { ...r, state, ...(state === "failed" ? { error: reason } : {}) };
      const refund = r.held - r.spent;
      const settlements: Settlement[] = refund > 0 ? [{ v: 1, kind: "refund", key: refundKey(id), jobId: id, owner: r.owner, amount: refund }] : [];
      return { record, settlements, result: record };
    });
  }

  close(): Promise<void> {
    return this.cells.close();
  }

  private refusal(r: SessionRecord, gateway: string): SessionWrite | null {
    if (final(r)) return "final";
    return r.host === gateway ? null : "not_host";
  }

  private async step<T>(id: string, missing: T, decide: Step<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const cell = await this.cells.read(id);
      if (!cell) return missing;
      const { record, settlements = [], result } = decide(cell.record);
      if (!record || (await this.cells.write(record, cell.version, settlements))) return result;
      if (attempt >= 20) throw new Error(`session ${id}: written by others 20 times in a row`);
    }
  }
}
