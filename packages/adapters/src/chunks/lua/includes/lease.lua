--[[
  Ending a lease: dropping its bookkeeping, and putting the chunk back after a
  failed attempt (or failing the job once the chunk has used maxAttempts).
  Needs job-state.lua.
]]
local function dropLease(prefix, jobId, index, nodeId, leasesKey)
  local ref = chunkRef(jobId, index)
  redis.call("ZREM", leasesKey, ref)
  if nodeId then redis.call("SREM", nodeLeasesKey(prefix, nodeId), ref) end
  redis.call("HDEL", chunkKey(prefix, jobId, index), "token", "nodeId", "expiresAt")
end

-- itemIndex is a number or false. Appends a progress or failed event.
local function requeueOrFail(prefix, jobId, index, message, itemIndex, now, maxEvents, queueKey, events)
  local jk = jobKey(prefix, jobId)
  local ck = chunkKey(prefix, jobId, index)
  redis.call("HINCRBY", jk, "running", -1)
  redis.call("HINCRBY", jk, "failed", 1)
  local c = redis.call("HMGET", ck, "attempts", "task", "offset")
  local attempts = tonumber(c[1])
  if attempts >= tonumber(redis.call("HGET", jk, "maxAttempts")) then
    local err
    if c[2] == "reduce" then
      err = "reduce failed " .. attempts .. " times: "
    else
      err = "chunk " .. index .. " failed " .. attempts .. " times: "
      if itemIndex then err = err .. "item " .. (tonumber(c[3]) + itemIndex) .. ": " end
    end
    redis.call("HSET", ck, "state", "failed")
    finishJob(prefix, jobId, "failed", now, err .. message, maxEvents, events)
  else
    redis.call("HSET", ck, "state", "queued")
    redis.call("LPUSH", queueKey, chunkRef(jobId, index))
    appendProgress(prefix, jobId, maxEvents, events)
  end
end
