--[[
  Retention: finished jobs whose finishedAt is at or before ARGV[2] are
  deleted (job hash, events, unpaid results, their entry in the owner's list)
  and remembered as expired, a hash that itself expires after ARGV[5] ms (a
  relative TTL, so no clock is read here). Their chunk and replica hashes go
  onto the purge list and are deleted at most ARGV[6] chunks per call,
  oldest job first, so a job of a million chunks never blocks Redis for long;
  a lease still out on one is dropped from the lease zset and its node's set.
  The job is gone for readers from the first call: its hash is deleted then.

  Input:
    KEYS[1] finished zset (score = finishedAt)
    KEYS[2] purge list

    ARGV[1] key prefix
    ARGV[2] finishedBefore
    ARGV[3] now (expiredAt)
    ARGV[4] most jobs to expire
    ARGV[5] ms to remember an expired job
    ARGV[6] most chunks to delete

  Output:
    { expired JSON (array of {id, owner, state, finishedAt, expiredAt}), more (0 or 1) }
]]
local prefix, before, now, limit = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local forgetAfter, budget = tonumber(ARGV[5]), tonumber(ARGV[6])
local leasesKey = prefix .. ":leases"
local expired = {}

for _, jobId in ipairs(redis.call("ZRANGEBYSCORE", KEYS[1], "-inf", before, "LIMIT", 0, limit)) do
  local jk = jobKey(prefix, jobId)
  local f = redis.call("HMGET", jk, "owner", "state", "finishedAt", "total")
  redis.call("ZREM", KEYS[1], jobId)
  if f[1] then
    local ek = expiredKey(prefix, jobId)
    redis.call("HSET", ek, "owner", f[1], "state", f[2], "finishedAt", f[3], "expiredAt", now)
    redis.call("PEXPIRE", ek, forgetAfter)
    redis.call("ZREM", ownerJobsKey(prefix, f[1]), jobId)
    redis.call("DEL", jk, eventsKey(prefix, jobId), unpaidKey(prefix, jobId))
    redis.call("RPUSH", KEYS[2], jobId .. "|0|" .. (f[4] or "0"))
    expired[#expired + 1] = cjson.encode({ id = jobId, owner = f[1], state = f[2], finishedAt = tonumber(f[3]), expiredAt = now })
  end
end

-- A chunk's replica hash may still name a lease (a cancelled job's): drop it
-- from the lease zset and its node's set too, so nothing points at it.
local function deleteChunk(jobId, index)
  local rk = replicasKey(prefix, jobId, index)
  local reps = redis.call("HGETALL", rk)
  for i = 1, #reps, 2 do
    if string.sub(reps[i + 1], 1, 1) == "L" then
      redis.call("ZREM", leasesKey, leaseMember(reps[i], jobId, index))
      redis.call("SREM", nodeLeasesKey(prefix, reps[i]), chunkRef(jobId, index))
    end
  end
  redis.call("DEL", chunkKey(prefix, jobId, index), rk)
end

while budget > 0 do
  local entry = redis.call("LINDEX", KEYS[2], 0)
  if not entry then break end
  local jobId, from, total = string.match(entry, "^(.*)|(%d+)|(%d+)$")
  from, total = tonumber(from), tonumber(total)
  local to = math.min(total, from + budget)
  for index = from, to - 1 do deleteChunk(jobId, index) end
  budget = budget - (to - from)
  if to >= total then redis.call("LPOP", KEYS[2]) else redis.call("LSET", KEYS[2], 0, jobId .. "|" .. to .. "|" .. total) end
end

local more = 0
if redis.call("LLEN", KEYS[2]) > 0 or #redis.call("ZRANGEBYSCORE", KEYS[1], "-inf", before, "LIMIT", 0, 1) > 0 then more = 1 end
return { "[" .. table.concat(expired, ",") .. "]", more }
