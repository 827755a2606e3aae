--[[
  A node left: every chunk it holds a lease on wants that replica again, back
  at the front of the queue. The attempt does not count against the chunk
  (the node leaving is not its fault), though chunks.failed still shows the
  lost attempt. One progress event per affected job.

  Input:
    KEYS[1] the node's lease set
    KEYS[2] leases zset
    KEYS[3] queue list

    ARGV[1] key prefix
    ARGV[2] nodeId
    ARGV[3] now
    ARGV[4] maxEvents kept per job

  Output:
    {0, events JSON, queued, requeued}
]]
--- @include "job-state"
--- @include "replicas"
local prefix, nodeId, maxEvents = ARGV[1], ARGV[2], tonumber(ARGV[4])
local held = {}
for _, ref in ipairs(redis.call("SMEMBERS", KEYS[1])) do
  local jobId, index = parseRef(ref)
  held[#held + 1] = { jobId = jobId, index = index }
end
-- Pushed to the front last-first, so each job's chunks stay in index order.
table.sort(held, function(a, b)
  if a.jobId ~= b.jobId then return a.jobId > b.jobId end
  return a.index > b.index
end)
local affected, order, requeued = {}, {}, 0
for _, h in ipairs(held) do
  local entry = redis.call("HGET", replicasKey(prefix, h.jobId, h.index), nodeId)
  if entry and string.sub(entry, 1, 1) == "L" then
    dropReplica(prefix, h.jobId, h.index, nodeId, KEYS[2])
    local jk = jobKey(prefix, h.jobId)
    local state = redis.call("HGET", jk, "state")
    if state and not FINAL[state] then
      redis.call("HINCRBY", chunkKey(prefix, h.jobId, h.index), "attempts", -1)
      redis.call("HINCRBY", jk, "running", -1)
      redis.call("HINCRBY", jk, "failed", 1)
      syncQueue(prefix, h.jobId, h.index, KEYS[3])
      requeued = requeued + 1
      if not affected[h.jobId] then
        affected[h.jobId] = true
        order[#order + 1] = h.jobId
      end
    end
  end
end
redis.call("DEL", KEYS[1])
local events = {}
for i = #order, 1, -1 do appendProgress(prefix, order[i], maxEvents, events) end
return reply(0, events, requeued)
