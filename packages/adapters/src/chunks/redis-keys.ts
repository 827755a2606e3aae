/**
 * Every Redis key the chunk store touches, under one prefix. The Lua scripts
 * need the same names for keys they only learn while running (a ref popped
 * from the queue names a chunk), so this module also renders the Lua twin of
 * each builder; the loader prepends it to every script, and a test checks both
 * sides agree. Keep the two in step here and nowhere else.
 *
 * Refs ("<jobId>:<index>") name a chunk inside the queue and the per-node
 * sets; job ids never end in ":<digits>", so the last colon splits. The lease
 * zset names a node's lease on a chunk, "<nodeId>|<ref>".
 */
export interface ChunkKeys {
  /** List of chunk refs, front = next to lease (FIFO across jobs). */
  queue: string;
  /** Zset of leases ("<nodeId>|<ref>", see leaseMember), score = lease expiresAt. */
  leases: string;
  /** Hash: one job's record fields plus counters. */
  job(jobId: string): string;
  /** List of one job's event JSON, oldest first, trimmed to the newest N. */
  events(jobId: string): string;
  /** Hash: one chunk's state, counters, accepted result, and the texts of answers still being voted on (`text:<nodeId>`). */
  chunk(jobId: string, index: number): string;
  /** Hash: an open chunk's replicas, nodeId → "L|owner|token|expiresAt" (leased) or "D|owner|hash" (answered). */
  replicas(jobId: string, index: number): string;
  /** Hash: a job's results accepted alone and not paid yet, chunk index → nodeId. */
  unpaid(jobId: string): string;
  /** Set of chunk refs one node holds leases on. */
  nodeLeases(nodeId: string): string;
  /** Hash: a node's validated history: agreed, disagreed, streak. */
  reputation(nodeId: string): string;
  /** Zset of an owner's job ids, score = createdAt. */
  ownerJobs(owner: string): string;
  /** Hash: the settlement outbox, key → Settlement JSON, until the scheduler forwards it. */
  settlements: string;
  /** Zset of the outbox's keys, score = until when a forwarder's claim holds it (0: unclaimed). */
  settlementClaims: string;
  /** Zset of final jobs, score = finishedAt: the retention sweep's index. */
  finished: string;
  /** Zset of unsealed jobs' splits, score = when the split's lease (or its wait for a claim) ends. */
  splits: string;
  /** List of "<jobId>|<next index>|<chunk count>": expired jobs whose chunk keys are still being deleted. */
  purge: string;
  /** Hash: an expired job's owner, state, finishedAt and expiredAt, kept a while so it reads as gone. */
  expired(jobId: string): string;
}

export function chunkKeys(prefix: string): ChunkKeys {
  return {
    queue: `${prefix}:queue`,
    leases: `${prefix}:leases`,
    job: (jobId) => `${prefix}:job:${jobId}`,
    events: (jobId) => `${prefix}:job:${jobId}:events`,
    chunk: (jobId, index) => `${prefix}:chunk:${jobId}:${index}`,
    replicas: (jobId, index) => `${prefix}:chunk:${jobId}:${index}:replicas`,
    unpaid: (jobId) => `${prefix}:job:${jobId}:unpaid`,
    nodeLeases: (nodeId) => `${prefix}:node:${nodeId}:leases`,
    reputation: (nodeId) => `${prefix}:node:${nodeId}:reputation`,
    ownerJobs: (owner) => `${prefix}:owner:${owner}:jobs`,
    settlements: `${prefix}:settlements`,
    settlementClaims: `${prefix}:settlements:claims`,
    finished: `${prefix}:finished`,
    splits: `${prefix}:splits`,
    purge: `${prefix}:purge`,
    expired: (jobId) => `${prefix}:expired:${jobId}`,
  };
}

export const chunkRef = (jobId: string, index: number) => `${jobId}:${index}`;
/** One node's lease on one chunk; node ids never contain "|". */
export const leaseMember = (nodeId: string, jobId: string, index: number) => `${nodeId}|${chunkRef(jobId, index)}`;

/** The Lua twin of `chunkKeys` (the prefix comes in as ARGV[1]), of `chunkRef`, and of core's settlement keys. */
export const LUA_KEYS = `
local function jobKey(prefix, jobId) return prefix .. ":job:" .. jobId end
local function eventsKey(prefix, jobId) return prefix .. ":job:" .. jobId .. ":events" end
local function chunkKey(prefix, jobId, index) return prefix .. ":chunk:" .. jobId .. ":" .. index end
local function replicasKey(prefix, jobId, index) return prefix .. ":chunk:" .. jobId .. ":" .. index .. ":replicas" end
local function unpaidKey(prefix, jobId) return prefix .. ":job:" .. jobId .. ":unpaid" end
local function nodeLeasesKey(prefix, nodeId) return prefix .. ":node:" .. nodeId .. ":leases" end
local function reputationKey(prefix, nodeId) return prefix .. ":node:" .. nodeId .. ":reputation" end
local function settlementsKey(prefix) return prefix .. ":settlements" end
local function settlementClaimsKey(prefix) return prefix .. ":settlements:claims" end
local function finishedKey(prefix) return prefix .. ":finished" end
local function splitsKey(prefix) return prefix .. ":splits" end
local function ownerJobsKey(prefix, owner) return prefix .. ":owner:" .. owner .. ":jobs" end
local function expiredKey(prefix, jobId) return prefix .. ":expired:" .. jobId end
local function chunkRef(jobId, index) return jobId .. ":" .. index end
local function parseRef(ref)
  local jobId, index = string.match(ref, "^(.*):(%d+)$")
  return jobId, tonumber(index)
end
local function leaseMember(nodeId, jobId, index) return nodeId .. "|" .. chunkRef(jobId, index) end
-- Settlement keys: twins of payoutKey and refundKey in packages/core/src/ledger.ts.
local function payoutKey(jobId, index, nodeId) return "payout:" .. jobId .. ":" .. index .. ":" .. nodeId end
local function refundKey(jobId) return "refund:" .. jobId end
local function parseLeaseMember(member)
  local nodeId, jobId, index = string.match(member, "^([^|]*)|(.*):(%d+)$")
  return nodeId, jobId, tonumber(index)
end
`;
