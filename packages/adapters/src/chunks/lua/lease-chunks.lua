--[[
  Leases queued chunks to a node, front of the queue first: at most one
  replica of a chunk per node, and none of a chunk another node of the same
  owner, or from the same network (origin), works on or answered; none
  whose lease ran out on this node less than the job's leaseMs ago; none of
  a job whose minReputation is above the node's validated results (agreed). The node gets no more than
  its lease window (see leaseWindow) less the leases it holds. Refs the node
  may not take stay where they were; refs whose job is final or whose chunk wants no more replicas are
  dropped on the way (a cancel leaves its refs in the queue; they are cleaned
  here). At most max + 200 refs are looked at per call.

  An "auto" chunk's quorum is settled by who leases it: a trusted node (streak
  >= trustAfter) whose draw is not below spotCheckRate may run a chunk nobody
  else holds alone (quorum 1); anyone else makes it want a second result
  (quorum 2).

  Input:
    KEYS[1] queue list
    KEYS[2] leases zset
    KEYS[3] the node's lease set

    ARGV[1] key prefix
    ARGV[2] nodeId
    ARGV[3] now
    ARGV[4] maxEvents kept per job
    ARGV[5] owner: nodes of one owner never share a chunk
    ARGV[6] trustAfter
    ARGV[7] spotCheckRate
    ARGV[8] runtimes the node runs, comma-separated ("" = any): other jobs' chunks stay queued
    ARGV[9] the window a new node starts with ("" = no window)
    ARGV[10] the network the node connects from ("" = not checked); kept as the chunk's "origin:<nodeId>"
    ARGV[11] how long a lease lasts until renewed ("" = the job's leaseMs); never past the job's leaseMs,
             the cap renew-leases keeps as the chunk's "until:<nodeId>"
    ARGV[12] "1": once the queue is empty, fill the rest of the window with backup leases (backups.lua)
    ARGV[13..] per lease wanted (so their count is the max): a fresh token, a draw in [0, 1)

  Each lease appends a "leased" event naming the chunk and the node, so a
  job's page can show which chunks are running.

  Output:
    {0, events JSON, queued, leases JSON}  possibly no leases: the queue ran dry
]]
--- @include "job-state"
--- @include "replicas"
--- @include "backups"
local prefix, nodeId, now, maxEvents, owner = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[5]
local origin = ARGV[10]
local renewedLeaseMs = tonumber(ARGV[11])
local max = math.min((#ARGV - 12) / 2, windowLeft(prefix, nodeId, ARGV[9], redis.call("SCARD", KEYS[3])))
local runtimes = {}
for r in string.gmatch(ARGV[8], "[^,]+") do runtimes[r] = true end
local anyRuntime = ARGV[8] == ""
local trusted = streakOf(prefix, nodeId) >= tonumber(ARGV[6])
local agreedResults = tonumber(redis.call("HGET", reputationKey(prefix, nodeId), "agreed") or "0")
local spotCheckRate = tonumber(ARGV[7])
local events, leases, aside = {}, {}, {}
local looked = 0

-- Jobs stored before the runtime field name it only inside their program.
local function runsHere(jk)
  if anyRuntime then return true end
  local runtime = redis.call("HGET", jk, "runtime") or cjson.decode(redis.call("HGET", jk, "program")).runtime
  return runtimes[runtime] == true
end

-- expired:<nodeId> is when the node's lease on the chunk ran out (1 from older releases, which kept no time: long past).
local function mayTake(ck, reps, leaseMs)
  local expiredAt = redis.call("HGET", ck, "expired:" .. nodeId)
  if expiredAt and tonumber(expiredAt) + leaseMs > now then return false end
  for other, r in pairs(reps) do
    if other == nodeId or r.owner == owner then return false end
    if origin ~= "" and redis.call("HGET", ck, "origin:" .. other) == origin then return false end
  end
  return true
end

-- Settles an "auto" chunk's quorum for this lease; returns the replicas it wants now.
local function decideQuorum(ck, alone)
  local c = redis.call("HMGET", ck, "quorum", "wanted")
  local quorum, wanted = tonumber(c[1]), tonumber(c[2])
  if alone and quorum == 0 then
    redis.call("HSET", ck, "quorum", 1)
  elseif not alone and quorum < 2 then
    wanted = wanted + 1
    redis.call("HSET", ck, "quorum", 2, "wanted", wanted)
  end
  return wanted
end

-- Leases one chunk to this node: its replica entry, lease expiry, counts and "leased" event.
local function leaseOne(jobId, index, job)
  local jk = jobKey(prefix, jobId)
  local ck = chunkKey(prefix, jobId, index)
  local slot = #leases + 1
  local token = ARGV[11 + slot * 2]
  local expiresAt = now + math.min(tonumber(job[2]), renewedLeaseMs or math.huge)
  redis.call("HSET", ck, "until:" .. nodeId, string.format("%d", now + tonumber(job[2])))
  local attempt = redis.call("HINCRBY", ck, "attempts", 1)
  redis.call("HSET", replicasKey(prefix, jobId, index), nodeId,
    "L|" .. owner .. "|" .. token .. "|" .. string.format("%d", expiresAt))
  redis.call("ZADD", KEYS[2], expiresAt, leaseMember(nodeId, jobId, index))
  redis.call("SADD", KEYS[3], chunkRef(jobId, index))
  if origin ~= "" then redis.call("HSET", ck, "origin:" .. nodeId, origin) end
  redis.call("HINCRBY", jk, "running", 1)
  if job[1] == "queued" then
    redis.call("HSET", jk, "state", "running")
    appendProgress(prefix, jobId, maxEvents, events)
  end
  local f = redis.call("HMGET", ck, "task", "offset", "input")
  appendEvent(prefix, jobId, { type = "leased", index = tonumber(index), task = f[1], nodeId = nodeId, chunks = readCounts(jk) },
    maxEvents, events)
  leases[slot] = '{"jobId":' .. cjson.encode(jobId) .. ',"index":' .. index .. ',"token":' ..
    cjson.encode(token) .. ',"task":"' .. f[1] .. '","attempt":' .. attempt .. ',"offset":' .. f[2] ..
    ',"input":' .. f[3] .. ',"expiresAt":' .. string.format("%d", expiresAt) .. "}"
end

while #leases < max and looked < max + 200 do
  local ref = redis.call("LPOP", KEYS[1])
  if not ref then break end
  looked = looked + 1
  local jobId, index = parseRef(ref)
  local jk = jobKey(prefix, jobId)
  local job = redis.call("HMGET", jk, "state", "leaseMs", "adaptive", "minReputation")
  local ck = chunkKey(prefix, jobId, index)
  local c = redis.call("HMGET", ck, "state", "wanted")
  c[2] = c[2] or "1" -- chunks added before replicas want one result
  local reps, count = readReplicas(prefix, jobId, index)
  if not job[1] or FINAL[job[1]] or c[1] ~= "queued" or tonumber(c[2]) <= count then
    if c[1] then redis.call("HSET", ck, "inQueue", 0) end
  elseif not mayTake(ck, reps, tonumber(job[2])) or not runsHere(jk) or tonumber(job[4] or "0") > agreedResults then
    aside[#aside + 1] = ref
  else
    local wanted = tonumber(c[2])
    local draw = tonumber(ARGV[12 + (#leases + 1) * 2])
    if job[3] == "1" then wanted = decideQuorum(ck, trusted and draw >= spotCheckRate) end
    if wanted > count + 1 then aside[#aside + 1] = ref else redis.call("HSET", ck, "inQueue", 0) end
    leaseOne(jobId, index, job)
  end
end
-- The queue is empty: the window's rest goes to backups of chunks still out.
if ARGV[12] == "1" and #aside == 0 and #leases < max and redis.call("LLEN", KEYS[1]) == 0 then
  for _, b in ipairs(backupCandidates(prefix, KEYS[2], nodeId, now, max - #leases, agreedResults, runsHere)) do
    leaseOne(b.jobId, b.index, redis.call("HMGET", jobKey(prefix, b.jobId), "state", "leaseMs"))
  end
end
-- What stays queued goes back to the front in its order.
for i = #aside, 1, -1 do redis.call("LPUSH", KEYS[1], aside[i]) end
return reply(0, events, "[" .. table.concat(leases, ",") .. "]")
