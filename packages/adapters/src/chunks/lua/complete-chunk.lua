--[[
  Stores a chunk's result for a node holding one of its leases, and votes:
  when `quorum` answers share its hash, the chunk is accepted with it (see
  acceptChunk); when no group can reach the quorum any more, the chunk wants
  another replica, or, past replicas + quorum results, fails its job. The
  last map chunk of a sealed job queues the reduce chunk; the last chunk
  finishes the job.

  Input:
    KEYS[1] job hash
    KEYS[2] chunk hash
    KEYS[3] queue list
    KEYS[4] leases zset

    ARGV[1] key prefix
    ARGV[2] jobId
    ARGV[3] chunk index
    ARGV[4] nodeId
    ARGV[5] lease token
    ARGV[6] results JSON text
    ARGV[7] now
    ARGV[8] maxEvents kept per job
    ARGV[9] the result's hash (what replicas vote with)

  Output:
    { 0, events JSON, queued, outcome, caught JSON}  outcome "accepted", "pending" or "rejected";
                                             caught: nodes whose answers lost, sorted
    {-2, "[]", 0}  job is final: results dropped (the lease is cleared)
    {-3, "[]", 0}  the caller does not hold a lease on the chunk (or no such job)
]]
--- @include "job-state"
--- @include "replicas"
local prefix, jobId, index, nodeId, token = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4], ARGV[5]
local now, maxEvents, hash = tonumber(ARGV[7]), tonumber(ARGV[8]), ARGV[9]
local state = redis.call("HGET", KEYS[1], "state")
if not state then return reply(-3, {}) end
local holds = holdsReplica(prefix, jobId, index, nodeId, token)
if FINAL[state] then
  if holds then dropReplica(prefix, jobId, index, nodeId, KEYS[4]) end
  return reply(-2, {})
end
if not holds then return reply(-3, {}) end

-- Done with this result: the chunk's leases still out go stale, agreeing
-- nodes are paid (or, for a result accepted alone in an "auto" job, owed),
-- and, when answers were compared at all, each counts for or against its
-- node. Returns the nodes caught disagreeing.
local function acceptChunk(reps, t, events)
  local c = redis.call("HMGET", KEYS[2], "quorum", "task")
  local quorum, task = tonumber(c[1] or "1"), c[2]
  local adaptive = redis.call("HGET", KEYS[1], "adaptive") == "1"
  redis.call("HSET", KEYS[2], "state", "done", "results", redis.call("HGET", KEYS[2], "text:" .. nodeId))
  for other in pairs(reps) do dropReplica(prefix, jobId, index, other, KEYS[4]) end
  if #t.leased > 0 then redis.call("HINCRBY", KEYS[1], "running", -#t.leased) end
  redis.call("HINCRBY", KEYS[1], "done", 1)
  local caught = {}
  for h, nodes in pairs(t.groups) do
    for _, n in ipairs(nodes) do
      if h == hash then acceptedResult(prefix, n) end
      if h ~= hash then
        disagreed(prefix, n)
        forfeitUnpaid(prefix, jobId, n)
        caught[#caught + 1] = n
      elseif quorum >= 2 then
        agreed(prefix, n)
        recordPayout(prefix, jobId, index, n)
      elseif adaptive then
        redis.call("HSET", unpaidKey(prefix, jobId), index, n)
      else
        recordPayout(prefix, jobId, index, n)
      end
    end
  end
  table.sort(caught)
  appendEvent(prefix, jobId, { type = "chunk", index = index, task = task, nodeId = nodeId, chunks = readCounts(KEYS[1]) },
    maxEvents, events)
  if task == "map" then queueReduceIfReady(prefix, jobId, KEYS[3]) end
  finishIfComplete(prefix, jobId, now, maxEvents, events)
  return caught
end

local owner = string.match(redis.call("HGET", replicasKey(prefix, jobId, index), nodeId), "^L|([^|]*)|")
redis.call("HSET", replicasKey(prefix, jobId, index), nodeId, "D|" .. owner .. "|" .. hash)
redis.call("HSET", KEYS[2], "text:" .. nodeId, ARGV[6])
redis.call("ZREM", KEYS[4], leaseMember(nodeId, jobId, index))
redis.call("SREM", nodeLeasesKey(prefix, nodeId), chunkRef(jobId, index))
redis.call("HINCRBY", KEYS[1], "running", -1)

local events = {}
local reps = readReplicas(prefix, jobId, index)
local t = tally(reps)
local c = redis.call("HMGET", KEYS[2], "quorum", "wanted", "task")
local quorum, wanted = tonumber(c[1] or "1"), tonumber(c[2] or "1")
if #t.groups[hash] >= quorum then
  local caught = acceptChunk(reps, t, events)
  if #caught == 0 then return reply(0, events, "accepted", "[]") end
  return reply(0, events, "accepted", cjson.encode(caught))
end
local j = redis.call("HMGET", KEYS[1], "replicas", "quorum")
local maxResults = tonumber(j[1]) + tonumber(j[2] or "1")
local more = needsMore(t, wanted, quorum, maxResults)
if not more then
  redis.call("HSET", KEYS[2], "state", "failed")
  finishJob(prefix, jobId, "failed", now, disagreement(c[3], index, t, quorum, maxResults), maxEvents, events)
  return reply(0, events, "rejected", "[]")
end
redis.call("HINCRBY", KEYS[2], "wanted", more)
syncQueue(prefix, jobId, index, KEYS[3])
appendProgress(prefix, jobId, maxEvents, events)
return reply(0, events, "pending", "[]")
