--[[
  The sweeper: chunks whose lease expired (expiresAt <= now), oldest expiry
  first, go back to the front of the queue as a failed attempt, or fail their
  job past maxAttempts. Leases of final jobs are just dropped.

  Input:
    KEYS[1] leases zset
    KEYS[2] queue list

    ARGV[1] key prefix
    ARGV[2] now
    ARGV[3] limit
    ARGV[4] maxEvents kept per job

  Output:
    {0, events JSON, requeued}  requeued counts the chunks put back or failed
]]
--- @include "job-state"
--- @include "lease"
local prefix, now, limit, maxEvents = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local refs = redis.call("ZRANGEBYSCORE", KEYS[1], "-inf", now, "LIMIT", 0, limit)
local events, requeued = {}, 0
for _, ref in ipairs(refs) do
  local jobId, index = parseRef(ref)
  local c = redis.call("HMGET", chunkKey(prefix, jobId, index), "state", "nodeId")
  local nodeId = c[2] or false
  dropLease(prefix, jobId, index, nodeId, KEYS[1])
  local state = redis.call("HGET", jobKey(prefix, jobId), "state")
  if state and not FINAL[state] and c[1] == "leased" then
    requeueOrFail(prefix, jobId, index, "lease expired on node " .. (c[2] or "?"), false, now, maxEvents, KEYS[2],
      events)
    requeued = requeued + 1
  end
end
return { 0, eventsJson(events), requeued }
