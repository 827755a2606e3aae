--[[
  Leases queued chunks to a node, front of the queue first. Refs whose job is
  final or whose chunk is no longer queued are dropped on the way (a cancel
  leaves its refs in the queue; they are cleaned here).

  Input:
    KEYS[1] queue list
    KEYS[2] leases zset
    KEYS[3] the node's lease set

    ARGV[1] key prefix
    ARGV[2] nodeId
    ARGV[3] now
    ARGV[4] maxEvents kept per job
    ARGV[5..] one fresh token per lease wanted (so their count is the max)

  Output:
    {0, events JSON, leases JSON}  possibly no leases: the queue ran dry
]]
--- @include "job-state"
local prefix, nodeId, now, maxEvents = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local max = #ARGV - 4
local events, leases = {}, {}
while #leases < max do
  local ref = redis.call("LPOP", KEYS[1])
  if not ref then break end
  local jobId, index = parseRef(ref)
  local jk = jobKey(prefix, jobId)
  local job = redis.call("HMGET", jk, "state", "leaseMs")
  local ck = chunkKey(prefix, jobId, index)
  if job[1] and not FINAL[job[1]] and redis.call("HGET", ck, "state") == "queued" then
    local token = ARGV[5 + #leases]
    local expiresAt = now + tonumber(job[2])
    local attempt = redis.call("HINCRBY", ck, "attempts", 1)
    redis.call("HSET", ck, "state", "leased", "token", token, "nodeId", nodeId, "expiresAt", expiresAt)
    redis.call("ZADD", KEYS[2], expiresAt, ref)
    redis.call("SADD", KEYS[3], ref)
    redis.call("HINCRBY", jk, "running", 1)
    if job[1] == "queued" then
      redis.call("HSET", jk, "state", "running")
      appendProgress(prefix, jobId, maxEvents, events)
    end
    local c = redis.call("HMGET", ck, "task", "offset", "input")
    leases[#leases + 1] = '{"jobId":' .. cjson.encode(jobId) .. ',"index":' .. index .. ',"token":' ..
      cjson.encode(token) .. ',"task":"' .. c[1] .. '","attempt":' .. attempt .. ',"offset":' .. c[2] ..
      ',"input":' .. c[3] .. ',"expiresAt":' .. string.format("%d", expiresAt) .. "}"
  end
end
return { 0, eventsJson(events), "[" .. table.concat(leases, ",") .. "]" }
