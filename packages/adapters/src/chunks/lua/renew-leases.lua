--[[
  Renews live leases (BullMQ's extendLock): each lease named whose holder's
  token matches, that has not expired yet and whose job is not final, now
  expires at now + leaseMs, but never past the cap set when it was handed
  out ("until:<nodeId>" on the chunk, now + the job's leaseMs then). A lease
  already expired is left to the sweeper (requeue-expired), which may have
  handed the chunk on. A lease from before caps were kept has none and is
  not extended.

  Input:
    KEYS[1] leases zset

    ARGV[1] key prefix
    ARGV[2] now
    ARGV[3] leaseMs
    ARGV[4..] per lease: nodeId, jobId, index, token

  Output:
    {0, events JSON (none), queued, renewed}  renewed counts the leases extended
]]
--- @include "job-state"
--- @include "replicas"
local prefix, now, leaseMs = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local renewed = 0

local function renew(nodeId, jobId, index, token)
  local rk = replicasKey(prefix, jobId, index)
  local entry = redis.call("HGET", rk, nodeId)
  if not entry then return end
  local owner, held, expiresAt = string.match(entry, "^L|([^|]*)|([^|]*)|(.*)$")
  if held ~= token or tonumber(expiresAt) <= now then return end
  local state = redis.call("HGET", jobKey(prefix, jobId), "state")
  if not state or FINAL[state] then return end
  local cap = tonumber(redis.call("HGET", chunkKey(prefix, jobId, index), "until:" .. nodeId) or expiresAt)
  local later = math.min(now + leaseMs, cap)
  if later <= tonumber(expiresAt) then return end
  redis.call("HSET", rk, nodeId, "L|" .. owner .. "|" .. token .. "|" .. string.format("%d", later))
  redis.call("ZADD", KEYS[1], later, leaseMember(nodeId, jobId, index))
  renewed = renewed + 1
end

for i = 4, #ARGV, 4 do renew(ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]) end
return reply(0, {}, renewed)
