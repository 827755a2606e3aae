--[[
  Appends map chunks to an unsealed job, indexes continuing from chunks.total,
  each queued at the back of the global queue.

  Input:
    KEYS[1] job hash
    KEYS[2] queue list

    ARGV[1] key prefix
    ARGV[2] jobId
    ARGV[3] maxEvents kept per job
    ARGV[4] the split lease token ("": no check)
    ARGV[5] index the batch starts at (checked with the token)
    ARGV[6..] per chunk: offset, count, input JSON

  Output:
    { 0, events JSON, queued}  added
    {-1, "[]", 0}         no such job
    {-2, "[]", 0}         job is final: nothing added, stop splitting
    {-3, "[]", 0}         the token does not hold the split, or the batch starts elsewhere
    {-5, "[]", 0}         job is sealed
]]
--- @include "job-state"
local prefix, jobId, maxEvents = ARGV[1], ARGV[2], tonumber(ARGV[3])
local f = redis.call("HMGET", KEYS[1], "state", "sealed", "total", "splitToken")
if not f[1] then return reply(-1, {}) end
if FINAL[f[1]] then return reply(-2, {}) end
if ARGV[4] ~= "" and (f[4] ~= ARGV[4] or tonumber(f[3]) ~= tonumber(ARGV[5])) then return reply(-3, {}) end
if f[2] == "1" then return reply(-5, {}) end
local total = tonumber(f[3])
local wanted, quorum = firstVote(KEYS[1])
local n = 0
for i = 6, #ARGV, 3 do
  local index = total + n
  redis.call("HSET", chunkKey(prefix, jobId, index), "state", "queued", "task", "map", "offset", ARGV[i],
    "count", ARGV[i + 1], "input", ARGV[i + 2], "attempts", 0, "failures", 0, "wanted", wanted, "quorum", quorum,
    "inQueue", 1)
  redis.call("RPUSH", KEYS[2], chunkRef(jobId, index))
  n = n + 1
end
QUEUED = QUEUED + n
redis.call("HINCRBY", KEYS[1], "total", n)
redis.call("HINCRBY", KEYS[1], "maps", n)
local events = {}
appendProgress(prefix, jobId, maxEvents, events)
return reply(0, events)
