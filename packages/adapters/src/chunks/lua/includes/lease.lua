--[[
  A lease ended without a result: the chunk wants another replica (back at
  the front of the queue), or has failed maxAttempts times and fails its job.
  Needs job-state.lua and replicas.lua.
]]
-- itemIndex is a number or false. Appends a progress or failed event.
local function requeueOrFail(prefix, jobId, index, message, itemIndex, now, maxEvents, queueKey, events)
  local jk = jobKey(prefix, jobId)
  local ck = chunkKey(prefix, jobId, index)
  redis.call("HINCRBY", jk, "running", -1)
  redis.call("HINCRBY", jk, "failed", 1)
  local failures = redis.call("HINCRBY", ck, "failures", 1)
  if failures >= tonumber(redis.call("HGET", jk, "maxAttempts")) then
    local c = redis.call("HMGET", ck, "task", "offset")
    local err
    local times = failures == 1 and "once" or (failures .. " times")
    if c[1] == "reduce" then
      err = "reduce failed " .. times .. ": "
    else
      err = "chunk " .. index .. " failed " .. times .. ": "
      if itemIndex then err = err .. "item " .. (tonumber(c[2]) + itemIndex) .. ": " end
    end
    redis.call("HSET", ck, "state", "failed")
    finishJob(prefix, jobId, "failed", now, err .. message, maxEvents, events)
  else
    syncQueue(prefix, jobId, index, queueKey)
    appendProgress(prefix, jobId, maxEvents, events)
  end
end
