--[[
  Splits due again: their lease ran out (or they were released) with the job
  unsealed. Each is sent again, with `dueMs` to be claimed, counting an
  attempt unless it was handed back; one out of attempts fails its job with
  the last attempt's reason (and refunds it, as any failed job).

  Input:
    KEYS[1] splits zset

    ARGV[1] key prefix
    ARGV[2] now
    ARGV[3] limit
    ARGV[4] dueMs
    ARGV[5] maxEvents kept per job

  Output:
    { 0, events JSON, queued, { jobId, request, jobId, request... } }
]]
--- @include "job-state"
local prefix, now, dueMs, maxEvents = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[4]), tonumber(ARGV[5])
local events, due = {}, {}
for _, jobId in ipairs(redis.call("ZRANGEBYSCORE", KEYS[1], "-inf", now, "LIMIT", 0, tonumber(ARGV[3]))) do
  local jk = jobKey(prefix, jobId)
  local f = redis.call("HMGET", jk, "state", "sealed", "splitAttempts", "maxAttempts", "splitError", "splitBack", "splitRequest")
  if not f[1] or FINAL[f[1]] or f[2] == "1" or not f[7] then
    redis.call("ZREM", KEYS[1], jobId)
  else
    local attempts, back = tonumber(f[3]), f[6] == "1"
    if not back and attempts >= tonumber(f[4]) then
      local times = attempts == 1 and "once" or (attempts .. " times")
      local reason = (f[5] and f[5] ~= "") and f[5] or "its splitter stopped answering"
      finishJob(prefix, jobId, "failed", now, "splitting the input failed " .. times .. ": " .. reason, maxEvents, events)
    else
      if not back then attempts = attempts + 1 end
      redis.call("HSET", jk, "splitAttempts", attempts, "splitToken", "", "splitError", "", "splitBack", 0)
      redis.call("ZADD", KEYS[1], now + dueMs, jobId)
      due[#due + 1] = jobId
      due[#due + 1] = f[7]
    end
  end
end
return reply(0, events, due)
