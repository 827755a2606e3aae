-- One chunk's result, shared by complete-chunk.lua (one result) and
-- complete-chunks.lua (a node's batch): stored for a node holding a lease on
-- the chunk, then voted on. When `quorum` answers share its hash the chunk is
-- accepted with it; when no group can reach the quorum any more, the chunk
-- wants another replica, or, past replicas + quorum results, fails its job.
-- The last map chunk of a sealed job queues the reduce chunk; the last chunk
-- finishes the job. Needs job-state and replicas.
--
-- k: { job, chunk, queue, leases } keys; r: { jobId, index, nodeId, token, text, hash }.
-- Appends its events to `events`. Returns code, outcome, caught JSON, held:
--   0, "accepted" | "pending" | "rejected", caught (nodes whose answers lost, sorted),
--      and for "accepted" the ms the result took from its lease (for the job's
--      heldMs, which backups.lua judges stragglers by; the caller adds it up)
--  -2  job is final: results dropped (the lease is cleared)
--  -3  the caller does not hold a lease on the chunk (or no such job); outcome
--      "settled" when the chunk is done already (a backup's or replica's loser)

-- Done with this result: the chunk's leases still out go stale, agreeing
-- nodes are paid (or, for a result accepted alone in an "auto" job, owed),
-- and, when answers were compared at all, each counts for or against its
-- node. Returns the nodes caught disagreeing.
local function acceptChunk(k, prefix, r, reps, t, maxEvents, now, events)
  local jobId, index, hash = r.jobId, r.index, r.hash
  local c = redis.call("HMGET", k.chunk, "quorum", "task")
  local quorum, task = tonumber(c[1] or "1"), c[2]
  local j = redis.call("HMGET", k.job, "adaptive", "leaseMs")
  local adaptive = j[1] == "1"
  redis.call("HSET", k.chunk, "state", "done", "results", redis.call("HGET", k.chunk, "text:" .. r.nodeId))
  for other in pairs(reps) do dropReplica(prefix, jobId, index, other, k.leases) end
  if #t.leased > 0 then redis.call("HINCRBY", k.job, "running", -#t.leased) end
  redis.call("HINCRBY", k.job, "done", 1)
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
  appendEvent(prefix, jobId, { type = "chunk", index = index, task = task, nodeId = r.nodeId, chunks = readCounts(k.job) },
    maxEvents, events)
  if task == "map" then queueReduceIfReady(prefix, jobId, k.queue) end
  finishIfComplete(prefix, jobId, now, maxEvents, events)
  -- until:<nodeId> is the lease's start plus the job's leaseMs (lease-chunks); a lease from before caps has none.
  local held = r.leasedUntil and math.max(0, math.floor(now - (tonumber(r.leasedUntil) - tonumber(j[2])))) or 0
  return caught, held
end

local function completeResult(k, prefix, r, now, maxEvents, events)
  local jobId, index, nodeId, hash = r.jobId, r.index, r.nodeId, r.hash
  local state = redis.call("HGET", k.job, "state")
  if not state then return -3 end
  local holds = holdsReplica(prefix, jobId, index, nodeId, r.token)
  if FINAL[state] then
    if holds then dropReplica(prefix, jobId, index, nodeId, k.leases) end
    return -2
  end
  if not holds then
    if redis.call("HGET", k.chunk, "state") == "done" then return -3, "settled" end
    return -3
  end

  local owner = string.match(redis.call("HGET", replicasKey(prefix, jobId, index), nodeId), "^L|([^|]*)|")
  redis.call("HSET", replicasKey(prefix, jobId, index), nodeId, "D|" .. owner .. "|" .. hash)
  redis.call("HSET", k.chunk, "text:" .. nodeId, r.text)
  redis.call("ZREM", k.leases, leaseMember(nodeId, jobId, index))
  redis.call("SREM", nodeLeasesKey(prefix, nodeId), chunkRef(jobId, index))
  redis.call("HINCRBY", k.job, "running", -1)

  local reps = readReplicas(prefix, jobId, index)
  local t = tally(reps)
  local c = redis.call("HMGET", k.chunk, "quorum", "wanted", "task", "until:" .. nodeId)
  local quorum, wanted = tonumber(c[1] or "1"), tonumber(c[2] or "1")
  if #t.groups[hash] >= quorum then
    r.leasedUntil = c[4]
    local caught, held = acceptChunk(k, prefix, r, reps, t, maxEvents, now, events)
    if #caught == 0 then return 0, "accepted", "[]", held end
    return 0, "accepted", cjson.encode(caught), held
  end
  local j = redis.call("HMGET", k.job, "replicas", "quorum")
  local maxResults = tonumber(j[1]) + tonumber(j[2] or "1")
  local more = needsMore(t, wanted, quorum, maxResults)
  if not more then
    redis.call("HSET", k.chunk, "state", "failed")
    finishJob(prefix, jobId, "failed", now, disagreement(c[3], index, t, quorum, maxResults), maxEvents, events)
    return 0, "rejected", "[]"
  end
  redis.call("HINCRBY", k.chunk, "wanted", more)
  syncQueue(prefix, jobId, index, k.queue)
  appendProgress(prefix, jobId, maxEvents, events)
  return 0, "pending", "[]"
end
