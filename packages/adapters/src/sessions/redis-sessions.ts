import type Redis from "ioredis";
import { SessionRecord, type Settlement } from "@medusa/core";
import { CasSessionStore, type SessionCells } from "./session-transitions.ts";

/**
 * Writes a session record if it is still at the version read, with the
 * settlements it earned, in one step.

  KEYS[1] the session's hash (version, record)
  KEYS[2] hosting leases zset, score = hostUntil (absent once final)
  KEYS[3] the chunk store's settlement outbox hash
  KEYS[4] its claims zset
  ARGV[1] version read     ARGV[2] record JSON     ARGV[3] session id
  ARGV[4] hostUntil, or "" when final
  ARGV[5..] settlement key, JSON, key, JSON, …
  Returns 1 when written, 0 when the version moved on.
 */
const WRITE = `
if tonumber(redis.call('HGET', KEYS[1], 'version') or '0') ~= tonumber(ARGV[1]) then return 0 end
redis.call('HINCRBY', KEYS[1], 'version', 1)
redis.call('HSET', KEYS[1], 'record', ARGV[2])
if ARGV[4] == '' then redis.call('ZREM', KEYS[2], ARGV[3]) else redis.call('ZADD', KEYS[2], ARGV[4], ARGV[3]) end
for i = 5, #ARGV, 2 do
  if redis.call('HSETNX', KEYS[3], ARGV[i], ARGV[i + 1]) == 1 then redis.call('ZADD', KEYS[4], 0, ARGV[i]) end
end
return 1`;

const INSERT = `
if redis.call('HSETNX', KEYS[1], 'version', 1) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'record', ARGV[1])
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
return 1`;

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
  }

  private key(id: string): string {
    return `${this.prefix}:session:${id}`;
  }

  async read(id: string): Promise<{ version: number; record: SessionRecord } | null> {
    const [version, record] = await this.redis.hmget(this.key(id), "version", "record");
    return version && record ? { version: Number(version), record: SessionRecord.parse(JSON.parse(record)) } : null;
  }

  async insert(record: SessionRecord): Promise<void> {
    await this.redis.eval(INSERT, 2, this.key(record.id), this.hosts, JSON.stringify(record), record.hostUntil, record.id);
  }

  async write(record: SessionRecord, version: number, settlements: Settlement[]): Promise<boolean> {
    const hostUntil = record.state === "ended" || record.state === "failed" ? "" : String(record.hostUntil);
    const pairs = settlements.flatMap((s) => [s.key, JSON.stringify(s)]);
    const written = await this.redis.eval(WRITE, 4, this.key(record.id), this.hosts, this.settlements, this.claims, version, JSON.stringify(record), record.id, hostUntil, ...pairs);
    return written === 1;
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
