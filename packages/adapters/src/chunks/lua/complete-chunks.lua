--[[
  A node's batch of results, each as complete-chunk.lua would take it, in
  order, in one script: one round trip and one atomic step for many chunks
  (a node runs tiny chunks many to a runner call). A result's code is its
  own; one that is stale or whose job is final does not stop the others.
  Chunk and job keys are built from the prefix (single Redis only, as for
  every script that learns its chunks while running).

  Input:
    KEYS[1] queue list
    KEYS[2] leases zset

    ARGV[1] key prefix
    ARGV[2] nodeId
    ARGV[3] now
    ARGV[4] maxEvents kept per job
    ARGV[5..] per result, five fields: jobId, chunk index, lease token, results JSON text, hash

  Output:
    { 0, events JSON, queued, outcomes JSON }  outcomes: per result, in order,
      [code, outcome, caught JSON]: code 0 with "accepted" | "pending" | "rejected",
      -2 (job final) or -3 (not the lease holder; "settled": the chunk is done) with "" or "settled", and "[]"

  Each job's heldMs (see complete.lua) grows once per batch, not per result.
]]
--- @include "job-state"
--- @include "replicas"
--- @include "complete"
local prefix, nodeId, now, maxEvents = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local events, outcomes, held = {}, {}, {}
for i = 5, #ARGV, 5 do
  local jobId, index = ARGV[i], tonumber(ARGV[i + 1])
  local k = { job = jobKey(prefix, jobId), chunk = chunkKey(prefix, jobId, index), queue = KEYS[1], leases = KEYS[2] }
  local r = { jobId = jobId, index = index, nodeId = nodeId, token = ARGV[i + 2], text = ARGV[i + 3], hash = ARGV[i + 4] }
  local code, outcome, caught, ms = completeResult(k, prefix, r, now, maxEvents, events)
  outcomes[#outcomes + 1] = { code, outcome or "", caught or "[]" }
  if ms then held[jobId] = (held[jobId] or 0) + ms end
end
for jobId, ms in pairs(held) do redis.call("HINCRBY", jobKey(prefix, jobId), "heldMs", ms) end
return reply(0, events, cjson.encode(outcomes))
