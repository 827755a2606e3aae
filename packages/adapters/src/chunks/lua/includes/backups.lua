--[[
  Backup leases (MapReduce's backup tasks): once the queue holds nothing at
  all, a node with room in its window is given a second lease on a chunk
  another node has held too long (a straggler, see below) and not answered,
  newest lease first (the one likeliest to be still waiting in that node's
  queue). Whichever result comes first is accepted alone and paid;
  acceptChunk drops the other lease, so the loser's report is stale and
  earns nothing.

  Only chunks no vote is taken on: a job with one replica and a quorum of 1,
  not "auto" (there a result accepted alone must come from a trusted node),
  an open chunk wanting one result and held by exactly one other node's
  lease. The owner and network rules keep voters apart; with no vote they do
  not apply. The rule that a chunk is never leased again to a node it expired
  on does, and so do the runtime and minReputation rules.

  Only stragglers: a lease held at least backupAfter its job's results took
  (twin of backupAfterMs in lease-terms.ts; its lease started at
  until:<holder> less the job's leaseMs). A lease from before caps were kept
  has no start and gets none.

  Needs job-state.lua and replicas.lua, and lease-chunks' runsHere.
  Twin of sqlite-backups.ts.
]]
-- Reads at most this many leases, newest first, per call.
local BACKUP_SCAN = 64

-- Twin of lease-terms.ts (BACKUP_AFTER_MEAN, BACKUP_FLOOR_MS, BACKUP_NO_RESULT_MS).
local function backupAfter(done, heldMs)
  if done <= 0 then return 5000 end
  return math.max(100, 2 * heldMs / done)
end

-- Leases past their expiry are the sweeper's to requeue, not to back up.
local function backupCandidates(prefix, leasesKey, nodeId, now, want, agreedResults, runsHere)
  local found = {}
  if want <= 0 then return found end
  local members = redis.call("ZREVRANGEBYSCORE", leasesKey, "+inf", "(" .. string.format("%.17g", now), "LIMIT", 0, BACKUP_SCAN)
  for _, member in ipairs(members) do
    if #found >= want then break end
    local holder, jobId, index = parseLeaseMember(member)
    if holder ~= nodeId then
      local jk = jobKey(prefix, jobId)
      local ck = chunkKey(prefix, jobId, index)
      local job = redis.call("HMGET", jk, "state", "replicas", "quorum", "adaptive", "minReputation", "leaseMs", "done", "heldMs")
      local c = redis.call("HMGET", ck, "state", "wanted", "quorum", "until:" .. holder)
      if job[1] == "running" and tonumber(job[2]) == 1 and tonumber(job[3] or "1") == 1 and job[4] ~= "1"
        and tonumber(job[5] or "0") <= agreedResults
        and c[1] == "queued" and tonumber(c[2] or "1") == 1 and tonumber(c[3] or "1") <= 1
        and c[4] and now - (tonumber(c[4]) - tonumber(job[6])) >= backupAfter(tonumber(job[7] or "0"), tonumber(job[8] or "0"))
        and redis.call("HLEN", replicasKey(prefix, jobId, index)) == 1
        and redis.call("HEXISTS", ck, "expired:" .. nodeId) == 0
        and runsHere(jk) then
        found[#found + 1] = { jobId = jobId, index = index }
      end
    end
  end
  return found
end
