import type Redis from "ioredis";

/**
 * The Redis session adapter's transitions, each one script (EVALSHA by
 * ioredis's defineCommand). A session's hash holds `version`, `record` (the
 * record but for its round fields) and the round's fields beside it
 * (sessions/round-fields.ts): host, final ("1" once ended or failed), price,
 * held, partitions, rounds, spent, activeAt, last.
 */

/**
 * Stores a new session unless its id exists.
 *
 * KEYS[1] the session's hash   KEYS[2] hosting leases zset, score = hostUntil
 * ARGV[1] session id   ARGV[2] hostUntil   ARGV[3..] the hash's fields (field, value, …)
 * Returns 1 when stored, 0 when the id existed.
 */
const INSERT = `
if redis.call('HSETNX', KEYS[1], 'version', 1) == 0 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 3))
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
return 1`;

/**
 * Writes a whole session record if it is still at the version read, with the
 * settlements it earned, in one step.
 *
 * KEYS[1] the session's hash   KEYS[2] hosting leases zset (absent once final)
 * KEYS[3] the chunk store's settlement outbox hash   KEYS[4] its claims zset
 * ARGV[1] version read   ARGV[2] session id   ARGV[3] hostUntil, or "" when final
 * ARGV[4] n, the number of hash fields that follow   ARGV[5..4+2n] field, value, …
 * ARGV[5+2n..] settlement key, JSON, key, JSON, …
 * Returns 1 when written, 0 when the version moved on.
 */
const WRITE = `
if tonumber(redis.call('HGET', KEYS[1], 'version') or '0') ~= tonumber(ARGV[1]) then return 0 end
local n = tonumber(ARGV[4])
redis.call('HINCRBY', KEYS[1], 'version', 1)
redis.call('HSET', KEYS[1], unpack(ARGV, 5, 4 + 2 * n))
if ARGV[3] == '' then redis.call('ZREM', KEYS[2], ARGV[2]) else redis.call('ZADD', KEYS[2], ARGV[3], ARGV[2]) end
for i = 5 + 2 * n, #ARGV, 2 do
  if redis.call('HSETNX', KEYS[3], ARGV[i], ARGV[i + 1]) == 1 then redis.call('ZADD', KEYS[4], 0, ARGV[i]) end
end
return 1`;

/**
 * A round completed: taken only from the host, on a session not over, when
 * it is the next round and the escrow covers it; then the round's fields and
 * the version move on and each node's payout (price × its partitions) goes
 * into the outbox, once per key.
 *
 * KEYS[1] the session's hash   KEYS[2] the outbox hash   KEYS[3] its claims zset
 * ARGV[1] gateway   ARGV[2] round   ARGV[3] the round's result JSON   ARGV[4] now (epoch ms)
 * ARGV[5] session id   ARGV[6..] per node paid: payout key, node id, partitions answered
 * Returns "ok", "not_host", "final", "stale", "spent" (as SessionWrite), "missing"
 * (no such session), or "unmigrated" (written whole by an older release: no round fields).
 */
const COMPLETE_ROUND = `
local s = redis.call('HMGET', KEYS[1], 'version', 'rounds', 'final', 'host', 'price', 'held', 'partitions', 'spent')
if not s[1] then return 'missing' end
if not s[2] then return 'unmigrated' end
if s[3] == '1' then return 'final' end
if s[4] ~= ARGV[1] then return 'not_host' end
if tonumber(ARGV[2]) ~= tonumber(s[2]) + 1 then return 'stale' end
local price = tonumber(s[5])
local spent = tonumber(s[8]) + price * tonumber(s[7])
if spent > tonumber(s[6]) then return 'spent' end
redis.call('HSET', KEYS[1], 'rounds', ARGV[2], 'spent', string.format('%d', spent), 'activeAt', ARGV[4], 'last', ARGV[3])
redis.call('HINCRBY', KEYS[1], 'version', 1)
if price <= 0 then return 'ok' end
local session = cjson.encode(ARGV[5])
for i = 6, #ARGV, 3 do
  local body = '{"v":1,"kind":"payout","key":' .. cjson.encode(ARGV[i]) .. ',"jobId":' .. session .. ',"nodeId":' .. cjson.encode(ARGV[i + 1])
    .. ',"amount":' .. string.format('%d', price * tonumber(ARGV[i + 2])) .. '}'
  if redis.call('HSETNX', KEYS[2], ARGV[i], body) == 1 then redis.call('ZADD', KEYS[3], 0, ARGV[i]) end
end
return 'ok'`;

const SCRIPTS = { medusaSessionInsert: [2, INSERT], medusaSessionWrite: [4, WRITE], medusaSessionCompleteRound: [3, COMPLETE_ROUND] } as const;
export type SessionScript = keyof typeof SCRIPTS;

export function defineSessionScripts(redis: Redis): void {
  for (const [name, [numberOfKeys, lua]] of Object.entries(SCRIPTS)) if (!(name in redis)) redis.defineCommand(name, { numberOfKeys, lua });
}

export function runSessionScript(redis: Redis, name: SessionScript, keys: string[], args: Array<string | number>): Promise<unknown> {
  const command = (redis as unknown as Record<SessionScript, (...a: Array<string | number>) => Promise<unknown>>)[name];
  return command.call(redis, ...keys, ...args);
}
