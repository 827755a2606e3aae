--[[
  An open chunk's replicas and the votes on them, the queue membership they
  decide, and node reputations. Needs job-state.lua. The voting rules are the
  twins of replica-votes.ts.

  Replica entries (hash replicasKey, field nodeId):
    "L|<owner>|<token>|<expiresAt>"  leased
    "D|<owner>|<hash>"               answered; its text is field "text:<nodeId>" of the chunk
]]
local function readReplicas(prefix, jobId, index)
  local flat = redis.call("HGETALL", replicasKey(prefix, jobId, index))
  local reps, count = {}, 0
  for i = 1, #flat, 2 do
    local v = flat[i + 1]
    if string.sub(v, 1, 1) == "L" then
      local owner, token, expiresAt = string.match(v, "^L|([^|]*)|([^|]*)|(.*)$")
      reps[flat[i]] = { leased = true, owner = owner, token = token, expiresAt = expiresAt }
    else
      local owner, hash = string.match(v, "^D|([^|]*)|(.*)$")
      reps[flat[i]] = { leased = false, owner = owner, hash = hash }
    end
    count = count + 1
  end
  return reps, count
end

local function holdsReplica(prefix, jobId, index, nodeId, token)
  local v = redis.call("HGET", replicasKey(prefix, jobId, index), nodeId)
  if not v then return false end
  local held = string.match(v, "^L|[^|]*|([^|]*)|")
  return held ~= nil and held == token
end

local function tally(reps)
  local t = { groups = {}, sizes = {}, leased = {}, answered = 0, largest = 0, different = 0 }
  for nodeId, r in pairs(reps) do
    if r.leased then
      t.leased[#t.leased + 1] = nodeId
    else
      t.answered = t.answered + 1
      if not t.groups[r.hash] then
        t.groups[r.hash] = {}
        t.different = t.different + 1
      end
      local g = t.groups[r.hash]
      g[#g + 1] = nodeId
      if #g > t.largest then t.largest = #g end
    end
  end
  return t
end

-- Twin of needsMore in replica-votes.ts: false means give up.
local function needsMore(t, wanted, quorum, maxResults)
  local queued = math.max(0, wanted - #t.leased - t.answered)
  local possible = t.largest + #t.leased + queued
  if possible >= quorum then return 0 end
  local need = quorum - possible
  if wanted + need > maxResults then return false end
  return need
end

-- Twin of disagreement in replica-votes.ts.
local function disagreement(task, index, t, quorum, maxResults)
  local what = "chunk " .. index
  if task == "reduce" then what = "reduce" end
  return what .. ": replicas disagreed: " .. t.answered .. " results, " .. t.different .. " different, at most " ..
    t.largest .. " alike; a quorum of " .. quorum .. " is out of reach within " .. maxResults .. " results"
end

-- Keeps an open chunk in the queue while it wants more replicas than it has;
-- one that joins goes to the front. A chunk that stops wanting keeps its ref
-- until lease-chunks meets it and drops it (inQueue says a ref is there).
local function syncQueue(prefix, jobId, index, queueKey)
  local ck = chunkKey(prefix, jobId, index)
  local c = redis.call("HMGET", ck, "state", "wanted", "inQueue")
  if c[1] ~= "queued" or c[3] == "1" then return end
  if tonumber(c[2] or "1") > redis.call("HLEN", replicasKey(prefix, jobId, index)) then
    redis.call("HSET", ck, "inQueue", 1)
    redis.call("LPUSH", queueKey, chunkRef(jobId, index))
    QUEUED = QUEUED + 1
  end
end

-- Forgets a node's replica of a chunk: its lease, its answer and its network.
local function dropReplica(prefix, jobId, index, nodeId, leasesKey)
  redis.call("HDEL", replicasKey(prefix, jobId, index), nodeId)
  redis.call("HDEL", chunkKey(prefix, jobId, index), "text:" .. nodeId, "origin:" .. nodeId, "until:" .. nodeId)
  redis.call("ZREM", leasesKey, leaseMember(nodeId, jobId, index))
  redis.call("SREM", nodeLeasesKey(prefix, nodeId), chunkRef(jobId, index))
end

local function streakOf(prefix, nodeId)
  return tonumber(redis.call("HGET", reputationKey(prefix, nodeId), "streak") or "0")
end

local function agreed(prefix, nodeId)
  local rk = reputationKey(prefix, nodeId)
  redis.call("HINCRBY", rk, "agreed", 1)
  redis.call("HINCRBY", rk, "streak", 1)
end

local function disagreed(prefix, nodeId)
  local rk = reputationKey(prefix, nodeId)
  redis.call("HINCRBY", rk, "disagreed", 1)
  redis.call("HSET", rk, "streak", 0)
end

-- Any accepted result of the node, validated or alone: what grows its lease window.
local function acceptedResult(prefix, nodeId)
  redis.call("HINCRBY", reputationKey(prefix, nodeId), "accepted", 1)
end

-- Twin of leaseWindow in core's chunk-store port; startWindow "" means no window.
local function windowLeft(prefix, nodeId, startWindow, held)
  if startWindow == "" then return math.huge end
  local start = tonumber(startWindow)
  local r = redis.call("HMGET", reputationKey(prefix, nodeId), "accepted", "expired")
  local window = math.max(1, start + tonumber(r[1] or "0") - start * tonumber(r[2] or "0"))
  return math.max(0, window - held)
end

-- A failed attempt or an expired lease: not a wrong answer, but no clean record either.
local function resetStreak(prefix, nodeId)
  local rk = reputationKey(prefix, nodeId)
  if redis.call("EXISTS", rk) == 1 then redis.call("HSET", rk, "streak", 0) end
end
