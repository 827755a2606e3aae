--[[
  Stores a chunk's result for a node holding one of its leases, and votes
  (see includes/complete.lua).

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
    ARGV[9] the result's hash (what replicas vote with)

  Output:
    { 0, events JSON, queued, outcome, caught JSON}  outcome "accepted", "pending" or "rejected";
                                             caught: nodes whose answers lost, sorted
    {-2, "[]", 0}  job is final: results dropped (the lease is cleared)
    {-3, "[]", 0}  the caller does not hold a lease on the chunk (or no such job)
    {-3, "[]", 0, "settled"}  the same, and the chunk is done already (a backup's or replica's loser)
]]
--- @include "job-state"
--- @include "replicas"
--- @include "complete"
local k = { job = KEYS[1], chunk = KEYS[2], queue = KEYS[3], leases = KEYS[4] }
local r = { jobId = ARGV[2], index = tonumber(ARGV[3]), nodeId = ARGV[4], token = ARGV[5], text = ARGV[6], hash = ARGV[9] }
local events = {}
local code, outcome, caught, held = completeResult(k, ARGV[1], r, tonumber(ARGV[7]), tonumber(ARGV[8]), events)
if code ~= 0 and outcome then return reply(code, {}, outcome) end
if code ~= 0 then return reply(code, {}) end
if held then redis.call("HINCRBY", KEYS[1], "heldMs", held) end
return reply(0, events, outcome, caught)
