--[[
  Cancels or fails a job that is not final yet. Its leases become stale (their
  completes get "job_final") and its queued refs are skipped by lease-chunks.

  Input:
    KEYS[1] job hash

    ARGV[1] key prefix
    ARGV[2] jobId
    ARGV[3] final state: "cancelled" or "failed"
    ARGV[4] now
    ARGV[5] maxEvents kept per job
    ARGV[6] error text (for "failed")

  Output:
    { 0, events JSON, queued}  stopped
    {-1, "[]", 0}         no such job
    {-2, "[]", 0}         job was already final: nothing changed
]]
--- @include "job-state"
local prefix, jobId, target, now, maxEvents = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5])
local state = redis.call("HGET", KEYS[1], "state")
if not state then return reply(-1, {}) end
if FINAL[state] then return reply(-2, {}) end
local events = {}
finishJob(prefix, jobId, target, now, target == "failed" and ARGV[6], maxEvents, events)
return reply(0, events)
