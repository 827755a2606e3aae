import type Redis from "ioredis";
import type { SessionRecord, SessionRoundResult, SessionWrite, Settlement } from "@medusa/core";
import { defineSessionScripts, runSessionScript } from "./redis-session-scripts.ts";
import { sessionFromStore, storedSession } from "./round-fields.ts";
import { CasSessionStore, roundShares, type SessionCells } from "./session-transitions.ts";

const ROUND_WRITES = new Set(["ok", "not_host", "final", "stale", "spent", "missing", "unmigrated"]);

/** A record as its hash's fields (field, value, …): see redis-session-scripts.ts. */
function hashFields(record: SessionRecord): string[] {
  const s = storedSession(record);
  const fields = ["record", s.terms, "host", s.host, "final", s.final ? "1" : "0", "price", String(s.price), "held", String(s.held)];
  fields.push("partitions", String(s.partitions), "rounds", String(s.rounds), "spent", String(s.spent), "activeAt", String(s.activeAt));
  if (s.last !== undefined) fields.push("last", s.last);
  return fields;
}

/**
 * Sessions in Redis beside the chunk store, under its prefix, writing to its
 * settlement outbox keys (see chunks/redis-keys.ts: `settlements`,
 * `settlements:claims`) so the scheduler forwards sessions' payouts and
 * refunds with the jobs'.
 */
class RedisSessionCells implements SessionCells {
  private readonly hosts: string;
  private readonly settlements: string;
  private readonly claims: string;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {
    this.hosts = `${prefix}:sessions:hosts`;
    this.settlements = `${prefix}:settlements`;
    this.claims = `${prefix}:settlements:claims`;
    defineSessionScripts(redis);
  }

  private key(id: string): string {
    return `${this.prefix}:session:${id}`;
  }

  async read(id: string): Promise<{ version: number; record: SessionRecord } | null> {
    const [version, terms, rounds, spent, activeAt, last] = await this.redis.hmget(this.key(id), "version", "record", "rounds", "spent", "activeAt", "last");
    if (!version || !terms) return null;
    const round = rounds === null ? null : { rounds: Number(rounds), spent: Number(spent), activeAt: Number(activeAt), last };
    return { version: Number(version), record: sessionFromStore(terms, round) };
  }

  async insert(record: SessionRecord): Promise<void> {
    await runSessionScript(this.redis, "medusaSessionInsert", [this.key(record.id), this.hosts], [record.id, record.hostUntil, ...hashFields(record)]);
  }

  async write(record: SessionRecord, version: number, settlements: Settlement[]): Promise<boolean> {
    const hostUntil = record.state === "ended" || record.state === "failed" ? "" : String(record.hostUntil);
    const fields = hashFields(record);
    const pairs = settlements.flatMap((s) => [s.key, JSON.stringify(s)]);
    const keys = [this.key(record.id), this.hosts, this.settlements, this.claims];
    const written = await runSessionScript(this.redis, "medusaSessionWrite", keys, [version, record.id, hostUntil, fields.length / 2, ...fields, ...pairs]);
    return written === 1;
  }

  async completeRound(id: string, gateway: string, result: SessionRoundResult, holders: string[], now: number): Promise<SessionWrite | "missing" | "unmigrated"> {
    const shares = roundShares(id, result.round, holders).flatMap((s) => [s.key, s.nodeId, s.partitions]);
    const keys = [this.key(id), this.settlements, this.claims];
    const reply = await runSessionScript(this.redis, "medusaSessionCompleteRound", keys, [gateway, result.round, JSON.stringify(result), now, id, ...shares]);
    if (typeof reply !== "string" || !ROUND_WRITES.has(reply)) throw new Error(`session ${id}: the round script answered ${String(reply)}`);
    return reply as SessionWrite | "missing" | "unmigrated";
  }

  orphans(now: number, limit: number): Promise<string[]> {
    return this.redis.zrangebyscore(this.hosts, "-inf", `(${now}`, "LIMIT", 0, limit);
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }
}

export class RedisSessionStore extends CasSessionStore {
  constructor(redis: Redis, prefix: string) {
    super(new RedisSessionCells(redis, prefix));
  }
}
