--[[
  Shared by every transition: job counters, the event log and finishing a job.
  Needs the key builders from redis-keys.ts (prepended by the loader).
  Events are JSON strings; a transition collects the StoredEvent JSON of each
  event it appends and returns them as one JSON array.

  Every transition replies { code, events JSON, queued, ... }: `queued`
  counts the chunk refs it pushed onto the queue (new chunks, retries, a
  replica more, the reduce chunk), so callers know new work exists without
  guessing it from the events.
]]
local FINAL = { done = true, failed = true, cancelled = true }
local QUEUED = 0

local function readCounts(jk)
  local c = redis.call("HMGET", jk, "total", "done", "running", "failed")
  return { total = tonumber(c[1]), done = tonumber(c[2]), running = tonumber(c[3]), failed = tonumber(c[4]) }
end

-- Numbers the event (ids per job: 1, 2, 3...), appends it to the job's log,
-- keeps the newest maxEvents, and records it in `events` for the caller.
local function appendEvent(prefix, jobId, event, maxEvents, events)
  event.id = redis.call("HINCRBY", jobKey(prefix, jobId), "eventSeq", 1)
  local body = cjson.encode(event)
  local ek = eventsKey(prefix, jobId)
  redis.call("RPUSH", ek, body)
  redis.call("LTRIM", ek, -maxEvents, -1)
  events[#events + 1] = '{"jobId":' .. cjson.encode(jobId) .. ',"event":' .. body .. "}"
end

local function appendProgress(prefix, jobId, maxEvents, events)
  local jk = jobKey(prefix, jobId)
  local f = redis.call("HMGET", jk, "state", "sealed")
  appendEvent(prefix, jobId, { type = "progress", state = f[1], chunks = readCounts(jk), sealed = f[2] == "1" },
    maxEvents, events)
end

-- The settlement outbox (see ports/chunk-store.ts): an accepted result earns
-- its node the job's price; a final job refunds held - spent. Amounts are
-- fixed here, inside the transition, so settlements commute downstream. Each
-- new entry also joins the claims zset, unclaimed, for a forwarder to take.
local function recordSettlement(prefix, key, body)
  if redis.call("HSETNX", settlementsKey(prefix), key, cjson.encode(body)) == 1 then
    redis.call("ZADD", settlementClaimsKey(prefix), 0, key)
  end
end

local function recordPayout(prefix, jobId, index, nodeId)
  local jk = jobKey(prefix, jobId)
  local price = tonumber(redis.call("HGET", jk, "price") or "0")
  if price <= 0 then return end
  redis.call("HINCRBY", jk, "spent", price)
  local key = payoutKey(jobId, index, nodeId)
  recordSettlement(prefix, key, { v = 1, kind = "payout", key = key, jobId = jobId, nodeId = nodeId, amount = price })
end

-- A result accepted alone ("auto", trusted node) is owed, not paid, until its
-- job ends; a node caught disagreeing on the job first forfeits it.
local function forfeitUnpaid(prefix, jobId, nodeId)
  local uk = unpaidKey(prefix, jobId)
  local owed = redis.call("HGETALL", uk)
  for i = 1, #owed, 2 do
    if owed[i + 1] == nodeId then redis.call("HDEL", uk, owed[i]) end
  end
end

local function payUnpaid(prefix, jobId)
  local uk = unpaidKey(prefix, jobId)
  local owed = redis.call("HGETALL", uk)
  for i = 1, #owed, 2 do recordPayout(prefix, jobId, owed[i], owed[i + 1]) end
  redis.call("DEL", uk)
end

local function recordRefund(prefix, jobId)
  local f = redis.call("HMGET", jobKey(prefix, jobId), "owner", "held", "spent")
  local amount = tonumber(f[2] or "0") - tonumber(f[3] or "0")
  if amount <= 0 then return end
  local key = refundKey(jobId)
  recordSettlement(prefix, key, { v = 1, kind = "refund", key = key, jobId = jobId, owner = f[1], amount = amount })
end

-- What a new chunk of the job wants: "auto" chunks start wanting one result,
-- quorum undecided (0) until leased.
local function firstVote(jk)
  local f = redis.call("HMGET", jk, "adaptive", "replicas", "quorum")
  if f[1] == "1" then return 1, 0 end
  return tonumber(f[2]), tonumber(f[3] or "1")
end

-- Moves the job to a final state. A failed or cancelled job keeps no running
-- chunks: their leases are stale from now on and completes get "job_final".
local function finishJob(prefix, jobId, state, now, err, maxEvents, events)
  local jk = jobKey(prefix, jobId)
  redis.call("HSET", jk, "state", state, "finishedAt", now)
  -- The retention sweep (expire-jobs.lua) finds final jobs here.
  redis.call("ZADD", finishedKey(prefix), now, jobId)
  redis.call("ZREM", splitsKey(prefix), jobId)
  if state ~= "done" then redis.call("HSET", jk, "running", 0) end
  payUnpaid(prefix, jobId)
  recordRefund(prefix, jobId)
  local event = { type = state, chunks = readCounts(jk) }
  if err then
    redis.call("HSET", jk, "error", err)
    event.error = err
  end
  appendEvent(prefix, jobId, event, maxEvents, events)
end

-- The reduce chunk joins the queue, at the front (finish jobs first), once the
-- job is sealed and every map chunk is done.
local function queueReduceIfReady(prefix, jobId, queueKey)
  local jk = jobKey(prefix, jobId)
  local f = redis.call("HMGET", jk, "hasReduce", "sealed", "reduceQueued", "maps", "done")
  if f[1] == "1" and f[2] == "1" and f[3] ~= "1" and tonumber(f[5]) == tonumber(f[4]) then
    redis.call("HSET", jk, "reduceQueued", 1)
    redis.call("HSET", chunkKey(prefix, jobId, f[4]), "state", "queued", "inQueue", 1)
    redis.call("LPUSH", queueKey, chunkRef(jobId, f[4]))
    QUEUED = QUEUED + 1
  end
end

local function finishIfComplete(prefix, jobId, now, maxEvents, events)
  local jk = jobKey(prefix, jobId)
  local f = redis.call("HMGET", jk, "sealed", "done", "total")
  if f[1] == "1" and tonumber(f[2]) == tonumber(f[3]) then
    finishJob(prefix, jobId, "done", now, false, maxEvents, events)
  end
end

local function eventsJson(events)
  return "[" .. table.concat(events, ",") .. "]"
end

local function reply(code, events, ...)
  return { code, eventsJson(events), QUEUED, ... }
end
