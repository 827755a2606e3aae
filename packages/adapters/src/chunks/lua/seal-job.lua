--[[
  No more chunks will come. A job with a reduce gets its reduce chunk now
  (index = number of map chunks), queued once every map chunk is done. A job
  whose chunks are all done is done.

  Input:
    KEYS[1] job hash
    KEYS[2] queue list

    ARGV[1] key prefix
    ARGV[2] jobId
    ARGV[3] item count
    ARGV[4] now
    ARGV[5] maxEvents kept per job
    ARGV[6] the split lease token ("": no check)

  Output:
    { 0, events JSON, queued}  sealed (no events when it already was)
    {-1, "[]", 0}         no such job
    {-2, "[]", 0}         job is final: nothing changed
    {-3, "[]", 0}         the token does not hold the split: nothing changed
]]
--- @include "job-state"
local prefix, jobId, now, maxEvents = ARGV[1], ARGV[2], tonumber(ARGV[4]), tonumber(ARGV[5])
local f = redis.call("HMGET", KEYS[1], "state", "sealed", "hasReduce", "maps", "splitToken")
if not f[1] then return reply(-1, {}) end
if FINAL[f[1]] then return reply(-2, {}) end
if f[2] == "1" then return reply(0, {}) end
if ARGV[6] ~= "" and f[5] ~= ARGV[6] then return reply(-3, {}) end
redis.call("HSET", KEYS[1], "sealed", 1, "items", ARGV[3])
redis.call("ZREM", splitsKey(prefix), jobId)
if f[3] == "1" then
  local wanted, quorum = firstVote(KEYS[1])
  redis.call("HSET", chunkKey(prefix, jobId, f[4]), "state", "waiting", "task", "reduce", "offset", 0, "count", 0,
    "input", '{"kind":"results"}', "attempts", 0, "failures", 0, "wanted", wanted, "quorum", quorum, "inQueue", 0)
  redis.call("HINCRBY", KEYS[1], "total", 1)
  queueReduceIfReady(prefix, jobId, KEYS[2])
end
local events = {}
appendProgress(prefix, jobId, maxEvents, events)
finishIfComplete(prefix, jobId, now, maxEvents, events)
return reply(0, events)
