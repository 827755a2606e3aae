import { refundKey, roundPayoutKey, type SessionHolder, type SessionRecord, type SessionRoundResult, type SessionState, type SessionStore, type SessionWrite, type Settlement } from "@medusa/core";

/**
 * What a session adapter stores: one versioned record per session, written
 * only if its version is still the one read, together with the settlements
 * the write earned (into the chunk store's outbox) and the index of hosting
 * leases. Each adapter makes `write` and `completeRound` one atomic step
 * each (a Lua script, a SQLite transaction).
 */
export interface SessionCells {
  read(id: string): Promise<{ version: number; record: SessionRecord } | null>;
  /** Stores version 1 unless the id exists. */
  insert(record: SessionRecord): Promise<void>;
  /** False when the record is no longer at `version` (someone wrote first). */
  write(record: SessionRecord, version: number, settlements: Settlement[]): Promise<boolean>;
  /**
   * `SessionStore.completeRound` in one atomic step that reads and writes only
   * the round's fields (see round-fields.ts) and moves the version on, so a
   * read-decide-write in flight decides again. `missing`: no such session;
   * `unmigrated`: an older release wrote it whole, and one `write` of it lays
   * it out anew.
   */
  completeRound(id: string, gateway: string, result: SessionRoundResult, holders: string[], now: number): Promise<SessionWrite | "missing" | "unmigrated">;
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
  return roundShares(sessionId, round, holders).map(({ key, nodeId, partitions }) => ({ v: 1, kind: "payout", key, jobId: sessionId, nodeId, amount: price * partitions }));
}

/** Each node a round pays, with its payout's key and how many partitions it answered (what a store script prices). */
export function roundShares(sessionId: string, round: number, holders: string[]): Array<{ key: string; nodeId: string; partitions: number }> {
  const shares = new Map<string, number>();
  for (const nodeId of holders) shares.set(nodeId, (shares.get(nodeId) ?? 0) + 1);
  return [...shares].map(([nodeId, partitions]) => ({ key: roundPayoutKey(sessionId, round, nodeId), nodeId, partitions }));
}

/**
 * Every session transition but the round, once for both adapters: read,
 * decide, write if nobody wrote in between, else decide again. These are
 * rare (a lease renewed each second, a placement, the end), by one host at
 * a time, so a conflict is rare and one retry settles it; keeping the rules
 * here keeps Redis and SQLite alike. The round, many a second, is the
 * adapters' own small step, held to the same rules by the contract suite.
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

  async completeRound(id: string, gateway: string, result: SessionRoundResult, holders: string[], now: number): Promise<SessionWrite> {
    for (let attempt = 0; ; attempt++) {
      const write = await this.cells.completeRound(id, gateway, result, holders, now);
      if (write === "missing") return "final";
      if (write !== "unmigrated") return write;
      if (attempt >= 1) throw new Error(`session ${id}: still laid out as an older release wrote it after rewriting it`);
      await this.step(id, null, (r) => ({ record: r, result: null }));
    }
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
