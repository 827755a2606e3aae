--[[
  A splitter's lease on a job's split (see ports/chunk-store.ts: Splits):
  claim it, renew it, or give it back. A split is open while its job is
  unsealed, not final and in the splits zset; its score there is when the
  lease (or the wait for a first claim) ends.

  Input:
    KEYS[1] job hash
    KEYS[2] splits zset

    ARGV[1] "claim", "renew" or "release"
    ARGV[2] jobId
    ARGV[3] now
    ARGV[4] claim: the new token; renew, release: the holder's token
    ARGV[5] claim, renew: lease ms; release: the error ("" when handed back)
    ARGV[6] claim: who claims (a splitter's id)

  Output:
    { 0, map chunks stored }  claimed (renewed, released)
    {-3}                      not open, held by another, or not the holder
]]
local mode, jobId, now, token = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4]
local f = redis.call("HMGET", KEYS[1], "state", "sealed", "splitToken", "maps")
local due = redis.call("ZSCORE", KEYS[2], jobId)
if not f[1] or f[1] == "done" or f[1] == "failed" or f[1] == "cancelled" or f[2] == "1" or not due then return { -3 } end
if mode == "claim" then
  if f[3] ~= "" and tonumber(due) > now then return { -3 } end
  redis.call("HSET", KEYS[1], "splitToken", token, "splitHolder", ARGV[6])
  redis.call("ZADD", KEYS[2], now + tonumber(ARGV[5]), jobId)
  return { 0, tonumber(f[4]) }
end
if f[3] ~= token then return { -3 } end
if mode == "renew" then
  redis.call("ZADD", KEYS[2], now + tonumber(ARGV[5]), jobId)
else
  redis.call("HSET", KEYS[1], "splitToken", "", "splitError", ARGV[5], "splitBack", ARGV[5] == "" and 1 or 0)
  redis.call("ZADD", KEYS[2], now, jobId)
end
return { 0, tonumber(f[4]) }
