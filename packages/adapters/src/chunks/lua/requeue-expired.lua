--[[
  The sweeper: leases that expired (expiresAt <= now), oldest expiry first,
  end (resetting their node's streak and counting against its lease window),
  and the chunk is not leased to that node again for the job's leaseMs: it wants another replica
  at the front of the queue. A node's first expiry counts as a failed
  attempt (past maxAttempts the job fails); once it has a history of
  expiries, its expiries cost only the node, not the consumer's attempts. Leases of final jobs, and leases a transition already ended,
  are just dropped. A lease left by the one-lease-per-chunk release (member
  "<jobId>:<index>") puts its chunk back as if released.

  Input:
    KEYS[1] leases zset
    KEYS[2] queue list

    ARGV[1] key prefix
    ARGV[2] now
    ARGV[3] limit
    ARGV[4] maxEvents kept per job

  Output:
    {0, events JSON, queued, requeued}  requeued counts the leases put back or failed
]]
--- @include "job-state"
--- @include "replicas"
--- @include "lease"
local prefix, now, limit, maxEvents = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local members = redis.call("ZRANGEBYSCORE", KEYS[1], "-inf", now, "LIMIT", 0, limit)
local events, requeued = {}, 0
-- A lease taken before replicas ("<jobId>:<index>", the lease on the chunk
-- hash itself) goes back as if released: it wants its one result again.
local function putBackOldLease(member)
  redis.call("ZREM", KEYS[1], member)
  local jobId, index = parseRef(member)
  local ck = chunkKey(prefix, jobId, index)
  local c = redis.call("HMGET", ck, "state", "nodeId")
  local state = redis.call("HGET", jobKey(prefix, jobId), "state")
  if c[1] ~= "leased" then return end
  redis.call("HDEL", ck, "token", "nodeId", "expiresAt")
  redis.call("HSET", ck, "state", "queued", "wanted", 1, "quorum", 1)
  if c[2] then redis.call("SREM", nodeLeasesKey(prefix, c[2]), member) end
  if not state or FINAL[state] then return end
  redis.call("HINCRBY", jobKey(prefix, jobId), "running", -1)
  redis.call("HSET", ck, "inQueue", 1)
  redis.call("LPUSH", KEYS[2], member)
  QUEUED = QUEUED + 1
  requeued = requeued + 1
end

local function expire(member)
  local nodeId, jobId, index = parseLeaseMember(member)
  if not nodeId then return putBackOldLease(member) end
  local entry = redis.call("HGET", replicasKey(prefix, jobId, index), nodeId)
  local leased = entry and string.sub(entry, 1, 1) == "L"
  local state = redis.call("HGET", jobKey(prefix, jobId), "state")
  if leased then dropReplica(prefix, jobId, index, nodeId, KEYS[1]) else redis.call("ZREM", KEYS[1], member) end
  if leased and state and not FINAL[state] then
    resetStreak(prefix, nodeId)
    local before = redis.call("HINCRBY", reputationKey(prefix, nodeId), "expired", 1) - 1
    redis.call("HSET", chunkKey(prefix, jobId, index), "expired:" .. nodeId, string.format("%d", now))
    if before == 0 then
      requeueOrFail(prefix, jobId, index, "lease expired on node " .. nodeId, false, now, maxEvents, KEYS[2], events)
    else
      redis.call("HINCRBY", jobKey(prefix, jobId), "running", -1)
      syncQueue(prefix, jobId, index, KEYS[2])
      appendProgress(prefix, jobId, maxEvents, events)
    end
    requeued = requeued + 1
  end
end

for _, member in ipairs(members) do expire(member) end
return reply(0, events, requeued)
