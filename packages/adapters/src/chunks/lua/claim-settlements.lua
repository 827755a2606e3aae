--[[
  A forwarder claims up to `limit` outbox entries nobody holds a live claim
  on, oldest claim first, until now + leaseMs: two forwarders never send the
  same entries, and a claim whose forwarder died runs out and is taken again.

  Input:
    KEYS[1] settlements hash
    KEYS[2] settlement claims zset

    ARGV[1] now
    ARGV[2] limit
    ARGV[3] leaseMs

  Output:
    array of Settlement JSON
]]
local now, claimedUntil = tonumber(ARGV[1]), tonumber(ARGV[1]) + tonumber(ARGV[3])
local out = {}
for _, key in ipairs(redis.call("ZRANGEBYSCORE", KEYS[2], "-inf", now, "LIMIT", 0, tonumber(ARGV[2]))) do
  local body = redis.call("HGET", KEYS[1], key)
  if body then
    redis.call("ZADD", KEYS[2], claimedUntil, key)
    out[#out + 1] = body
  else
    redis.call("ZREM", KEYS[2], key)
  end
end
return out
