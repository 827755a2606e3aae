--[[
  A node left: every chunk it holds a lease on wants that replica again, back
  at the front of the queue. The first ARGV[5] times a chunk is released the
  attempt does not count against it (the node leaving is not its fault),
  though chunks.failed still shows the lost attempt. Past that the chunk
  itself is the likelier cause (a result that keeps dropping its node's
  connection), so each further release counts as a failed attempt like any
  other, and the job ends. One progress event per affected job still running.

  Input:
    KEYS[1] the node's lease set
    KEYS[2] leases zset
    KEYS[3] queue list

    ARGV[1] key prefix
    ARGV[2] nodeId
    ARGV[3] now
    ARGV[4] maxEvents kept per job
    ARGV[5] releases of one chunk that do not count as an attempt

  Output:
    {0, events JSON, queued, requeued}
]]
--- @include "job-state"
--- @include "replicas"
--- @include "lease"
local prefix, nodeId, now, maxEvents, freeReleases = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
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
local affected, order, requeued, events = {}, {}, 0, {}
for _, h in ipairs(held) do
  local entry = redis.call("HGET", replicasKey(prefix, h.jobId, h.index), nodeId)
  if entry and string.sub(entry, 1, 1) == "L" then
    dropReplica(prefix, h.jobId, h.index, nodeId, KEYS[2])
    local jk = jobKey(prefix, h.jobId)
    local ck = chunkKey(prefix, h.jobId, h.index)
    local state = redis.call("HGET", jk, "state")
    if state and not FINAL[state] then
      requeued = requeued + 1
      local releases = redis.call("HINCRBY", ck, "releases", 1)
      if releases > freeReleases then
        local why = "lost with its node's connection " .. releases .. " times (last: node " .. nodeId .. ")"
        requeueOrFail(prefix, h.jobId, h.index, why, false, now, maxEvents, KEYS[3], events)
      else
        redis.call("HINCRBY", ck, "attempts", -1)
        redis.call("HINCRBY", jk, "running", -1)
        redis.call("HINCRBY", jk, "failed", 1)
        syncQueue(prefix, h.jobId, h.index, KEYS[3])
        if not affected[h.jobId] then
          affected[h.jobId] = true
          order[#order + 1] = h.jobId
        end
      end
    end
  end
end
redis.call("DEL", KEYS[1])
for i = #order, 1, -1 do
  if not FINAL[redis.call("HGET", jobKey(prefix, order[i]), "state")] then appendProgress(prefix, order[i], maxEvents, events) end
end
return reply(0, events, requeued)
