import type Redis from "ioredis";
import { z } from "zod";
import { JobState, type ExpiredJob, type ExpireOptions } from "@medusa/core";
import { chunkKeys, type ChunkKeys } from "./redis-keys.ts";
import { defineScripts, runScript } from "./redis-scripts.ts";

/** Retention in Redis: the sweep is lua/expire-jobs.lua; an expired job is remembered in its own hash until that hash's TTL. */
const ExpiredJobs = z.array(z.object({ id: z.string(), owner: z.string(), state: JobState, finishedAt: z.number(), expiredAt: z.number() }));
const ExpiredHash = z.object({ owner: z.string(), state: JobState, finishedAt: z.coerce.number(), expiredAt: z.coerce.number() });

/** Chunks one call deletes (each a chunk hash and its replica hash); the rest wait for the next call. */
export const PURGE_CHUNKS = 10_000;

export async function expireJobs(redis: Redis, prefix: string, options: ExpireOptions, purgeChunks = PURGE_CHUNKS): Promise<{ expired: ExpiredJob[]; more: boolean }> {
  const keys = chunkKeys(prefix);
  defineScripts(redis);
  const reply = await runScript(redis, "expire-jobs", [keys.finished, keys.purge], [
    prefix, options.finishedBefore, options.now, options.limit, Math.max(1, Math.round(options.forgetAfterMs)), purgeChunks,
  ]);
  const [expired, more] = z.tuple([z.string(), z.number()]).parse(reply);
  return { expired: ExpiredJobs.parse(JSON.parse(expired)), more: more === 1 };
}

export async function expiredJob(redis: Redis, keys: ChunkKeys, jobId: string): Promise<ExpiredJob | null> {
  const hash = await redis.hgetall(keys.expired(jobId));
  return Object.keys(hash).length === 0 ? null : { id: jobId, ...ExpiredHash.parse(hash) };
}
