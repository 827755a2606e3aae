--[[
  The sweeper: leases that expired (expiresAt <= now), oldest expiry first,
  end as a failed attempt (resetting their node's streak): the chunk wants
  another replica at the front of the queue, or fails its job past
  maxAttempts. Leases of final jobs, and leases a transition already ended,
  are just dropped.

  Input:
    KEYS[1] leases zset
    KEYS[2] queue list

    ARGV[1] key prefix
    ARGV[2] now
    ARGV[3] limit
    ARGV[4] maxEvents kept per job

  Output:
    {0, events JSON, requeued}  requeued counts the leases put back or failed
]]
--- @include "job-state"
--- @include "replicas"
--- @include "lease"
local prefix, now, limit, maxEvents = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local members = redis.call("ZRANGEBYSCORE", KEYS[1], "-inf", now, "LIMIT", 0, limit)
local events, requeued = {}, 0
for _, member in ipairs(members) do
  local nodeId, jobId, index = parseLeaseMember(member)
  local entry = redis.call("HGET", replicasKey(prefix, jobId, index), nodeId)
  local leased = entry and string.sub(entry, 1, 1) == "L"
  local state = redis.call("HGET", jobKey(prefix, jobId), "state")
  if leased then dropReplica(prefix, jobId, index, nodeId, KEYS[1]) else redis.call("ZREM", KEYS[1], member) end
  if leased and state and not FINAL[state] then
    resetStreak(prefix, nodeId)
    requeueOrFail(prefix, jobId, index, "lease expired on node " .. nodeId, false, now, maxEvents, KEYS[2], events)
    requeued = requeued + 1
  end
end
return { 0, eventsJson(events), requeued }
