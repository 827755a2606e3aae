--[[
  A node reports that a chunk it holds failed: the attempt counts (and resets
  the node's streak), and the chunk wants another replica at the front of the
  queue, or fails the job once it has failed maxAttempts times.

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
    ARGV[6] error message
    ARGV[7] index of the failing item within the chunk, or "" when unknown
    ARGV[8] now
    ARGV[9] maxEvents kept per job

  Output:
    { 0, events JSON, queued}  requeued, or the job failed (see events)
    {-2, "[]", 0}         job is final (the lease is cleared)
    {-3, "[]", 0}         the caller does not hold a lease on the chunk (or no such job)
]]
--- @include "job-state"
--- @include "replicas"
--- @include "lease"
local prefix, jobId, index, nodeId, token = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4], ARGV[5]
local itemIndex = ARGV[7] ~= "" and tonumber(ARGV[7])
local now, maxEvents = tonumber(ARGV[8]), tonumber(ARGV[9])
local state = redis.call("HGET", KEYS[1], "state")
if not state then return reply(-3, {}) end
local holds = holdsReplica(prefix, jobId, index, nodeId, token)
if FINAL[state] then
  if holds then dropReplica(prefix, jobId, index, nodeId, KEYS[4]) end
  return reply(-2, {})
end
if not holds then return reply(-3, {}) end

dropReplica(prefix, jobId, index, nodeId, KEYS[4])
resetStreak(prefix, nodeId)
local events = {}
requeueOrFail(prefix, jobId, index, ARGV[6], itemIndex, now, maxEvents, KEYS[3], events)
return reply(0, events)
