import type Redis from "ioredis";
import { z } from "zod";
import { newSecret, type DueSplit, type SplitClaim, type Transition } from "@medusa/core";
import type { ChunkKeys } from "./redis-keys.ts";
import { decodeReply, runScript } from "./redis-scripts.ts";

/** The split transitions of the Redis chunk store (lua/split-lease.lua, lua/requeue-splits.lua). */
const LeaseReply = z.tuple([z.number().int()]).rest(z.number().int());

function splitLease(redis: Redis, keys: ChunkKeys, jobId: string, args: Array<string | number>) {
  return runScript(redis, "split-lease", [keys.job(jobId), keys.splits], args).then((r) => {
    const [code, maps] = LeaseReply.parse(r);
    return code === 0 ? (maps ?? 0) : null;
  });
}

export async function claimSplit(redis: Redis, keys: ChunkKeys, jobId: string, holder: string, now: number, leaseMs: number): Promise<SplitClaim | null> {
  const token = newSecret("split");
  const chunks = await splitLease(redis, keys, jobId, ["claim", jobId, now, token, leaseMs, holder]);
  return chunks === null ? null : { token, chunks };
}

export async function renewSplit(redis: Redis, keys: ChunkKeys, jobId: string, token: string, now: number, leaseMs: number): Promise<boolean> {
  return (await splitLease(redis, keys, jobId, ["renew", jobId, now, token, leaseMs])) !== null;
}

export async function releaseSplit(redis: Redis, keys: ChunkKeys, jobId: string, token: string, now: number, error = ""): Promise<void> {
  await splitLease(redis, keys, jobId, ["release", jobId, now, token, error]);
}

export async function requeueExpiredSplits(redis: Redis, prefix: string, keys: ChunkKeys, args: { now: number; limit: number; dueMs: number; maxEvents: number }): Promise<Transition & { due: DueSplit[] }> {
  if (args.limit <= 0) return { events: [], queued: 0, due: [] };
  const reply = await runScript(redis, "requeue-splits", [keys.splits], [prefix, args.now, args.limit, args.dueMs, args.maxEvents]);
  const { events, queued, rest } = decodeReply(reply);
  const flat = z.array(z.string()).parse(rest[0] ?? []);
  const due: DueSplit[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) due.push({ jobId: flat[i]!, request: flat[i + 1]! });
  return { events, queued, due };
}
