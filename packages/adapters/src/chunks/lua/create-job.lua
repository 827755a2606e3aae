--[[
  Stores a new job: queued, no chunks, unsealed.

  Input:
    KEYS[1] job hash
    KEYS[2] owner's job zset

    ARGV[1] key prefix
    ARGV[2] jobId
    ARGV[3] createdAt (zset score)
    ARGV[4] maxEvents kept per job
    ARGV[5] when its split must be claimed by ("" when the job has no split task)
    ARGV[6..] record field, value, field, value...

  Output:
    { 0, events JSON, queued}  created
    {-4, "[]", 0}         a job with this id exists
]]
--- @include "job-state"
local prefix, jobId, maxEvents = ARGV[1], ARGV[2], tonumber(ARGV[4])
if redis.call("EXISTS", KEYS[1]) == 1 then return reply(-4, {}) end
redis.call("HSET", KEYS[1], unpack(ARGV, 6))
redis.call("ZADD", KEYS[2], ARGV[3], jobId)
if ARGV[5] ~= "" then redis.call("ZADD", splitsKey(prefix), ARGV[5], jobId) end
local events = {}
appendProgress(prefix, jobId, maxEvents, events)
return reply(0, events)
