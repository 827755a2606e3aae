--[[
  Stores a chunk's results for the node holding its lease and records its
  payout in the settlement outbox. The last map chunk
  of a sealed job queues the reduce chunk; the last chunk finishes the job.

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

  Output:
    { 0, events JSON}  accepted
    {-2, "[]"}         job is final: results dropped (the lease is cleared)
    {-3, "[]"}         the caller does not hold the chunk's lease (or no such job)
]]
--- @include "job-state"
--- @include "lease"
local prefix, jobId, index, nodeId, token = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4], ARGV[5]
local now, maxEvents = tonumber(ARGV[7]), tonumber(ARGV[8])
local state = redis.call("HGET", KEYS[1], "state")
if not state then return { -3, "[]" } end
local c = redis.call("HMGET", KEYS[2], "state", "token", "nodeId", "task")
local holds = c[1] == "leased" and c[2] == token and c[3] == nodeId
if FINAL[state] then
  if holds then dropLease(prefix, jobId, index, nodeId, KEYS[4]) end
  return { -2, "[]" }
end
if not holds then return { -3, "[]" } end

dropLease(prefix, jobId, index, nodeId, KEYS[4])
redis.call("HSET", KEYS[2], "state", "done", "results", ARGV[6])
redis.call("HINCRBY", KEYS[1], "running", -1)
redis.call("HINCRBY", KEYS[1], "done", 1)
recordPayout(prefix, jobId, index, nodeId)
local events = {}
appendEvent(prefix, jobId, { type = "chunk", index = index, task = c[4], nodeId = nodeId, chunks = readCounts(KEYS[1]) },
  maxEvents, events)
if c[4] == "map" then queueReduceIfReady(prefix, jobId, KEYS[3]) end
finishIfComplete(prefix, jobId, now, maxEvents, events)
return { 0, eventsJson(events) }
