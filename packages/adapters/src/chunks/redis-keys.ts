/**
 * Every Redis key the chunk store touches, under one prefix. The Lua scripts
 * need the same names for keys they only learn while running (a ref popped
 * from the queue names a chunk), so this module also renders the Lua twin of
 * each builder; the loader prepends it to every script, and a test checks both
 * sides agree. Keep the two in step here and nowhere else.
 *
 * Refs ("<jobId>:<index>") name a chunk inside the queue, the lease zset and
 * the per-node sets; job ids never end in ":<digits>", so the last colon splits.
 */
export interface ChunkKeys {
  /** List of chunk refs, front = next to lease (FIFO across jobs). */
  queue: string;
  /** Zset of leased chunk refs, score = lease expiresAt. */
  leases: string;
  /** Hash: one job's record fields plus counters. */
  job(jobId: string): string;
  /** List of one job's event JSON, oldest first, trimmed to the newest N. */
  events(jobId: string): string;
  /** Hash: one chunk's state, lease and results. */
  chunk(jobId: string, index: number): string;
  /** Set of chunk refs one node holds leases on. */
  nodeLeases(nodeId: string): string;
  /** Zset of an owner's job ids, score = createdAt. */
  ownerJobs(owner: string): string;
  /** Hash: the settlement outbox, key → Settlement JSON, until the scheduler forwards it. */
  settlements: string;
}

export function chunkKeys(prefix: string): ChunkKeys {
  return {
    queue: `${prefix}:queue`,
    leases: `${prefix}:leases`,
    job: (jobId) => `${prefix}:job:${jobId}`,
    events: (jobId) => `${prefix}:job:${jobId}:events`,
    chunk: (jobId, index) => `${prefix}:chunk:${jobId}:${index}`,
    nodeLeases: (nodeId) => `${prefix}:node:${nodeId}:leases`,
    ownerJobs: (owner) => `${prefix}:owner:${owner}:jobs`,
    settlements: `${prefix}:settlements`,
  };
}

export const chunkRef = (jobId: string, index: number) => `${jobId}:${index}`;

/** The Lua twin of `chunkKeys` (the prefix comes in as ARGV[1]) and of `chunkRef`. */
export const LUA_KEYS = `
local function jobKey(prefix, jobId) return prefix .. ":job:" .. jobId end
local function eventsKey(prefix, jobId) return prefix .. ":job:" .. jobId .. ":events" end
local function chunkKey(prefix, jobId, index) return prefix .. ":chunk:" .. jobId .. ":" .. index end
local function nodeLeasesKey(prefix, nodeId) return prefix .. ":node:" .. nodeId .. ":leases" end
local function settlementsKey(prefix) return prefix .. ":settlements" end
local function chunkRef(jobId, index) return jobId .. ":" .. index end
local function parseRef(ref)
  local jobId, index = string.match(ref, "^(.*):(%d+)$")
  return jobId, tonumber(index)
end
`;
