import { Database } from "bun:sqlite";
import { join } from "node:path";
import Redis from "ioredis";
import type { PortEnv } from "@medusa/core";
import { chunkKeys } from "./redis-keys.ts";

/**
 * What the chunk store holds right now, for the operator's gauges: counts
 * each adapter reads from an index it keeps anyway (a list length, a zset
 * size, an indexed count), so a scrape costs O(1) in Redis and an index scan
 * in SQLite, whatever the size of the store. Read on its own connection, so
 * a scrape never waits behind a transition.
 */
export interface ChunkStats {
  /** Chunk refs waiting in the queue for a node. */
  queued: number;
  /** Leases out on chunks (one per node working on a replica). */
  leased: number;
  /** Of those, leases already past their expiry that the sweeper has not put back yet. */
  overdue: number;
  /** Payouts and refunds recorded but not yet handed to the settlement queue. */
  settlementBacklog: number;
  /** Final jobs still kept (until their retention runs out). */
  finishedJobs: number;
}

export interface ChunkStatsReader {
  read(now: number): Promise<ChunkStats>;
  close(): Promise<void>;
}

export function openChunkStats(env: PortEnv): ChunkStatsReader {
  if (env.MEDUSA_REDIS_URL) return redisChunkStats(new Redis(env.MEDUSA_REDIS_URL, { maxRetriesPerRequest: 1, lazyConnect: true }), env.MEDUSA_PREFIX);
  return sqliteChunkStats(new Database(join(env.MEDUSA_DATA_DIR, "chunks.sqlite"), { readonly: true }));
}

export function redisChunkStats(redis: Redis, prefix: string): ChunkStatsReader {
  const keys = chunkKeys(prefix);
  return {
    async read(now) {
      const replies = await redis.multi().llen(keys.queue).zcard(keys.leases).zcount(keys.leases, "-inf", now).hlen(keys.settlements).zcard(keys.finished).exec();
      const [queued, leased, overdue, settlementBacklog, finishedJobs] = (replies ?? []).map(([err, n]) => {
        if (err) throw err;
        return Number(n);
      });
      return { queued: queued!, leased: leased!, overdue: overdue!, settlementBacklog: settlementBacklog!, finishedJobs: finishedJobs! };
    },
    async close() {
      redis.disconnect();
    },
  };
}

export function sqliteChunkStats(db: Database): ChunkStatsReader {
  const count = (sql: string) => db.query<{ n: number }, []>(`SELECT COUNT(*) AS n FROM ${sql}`);
  const queued = count("chunks WHERE queue_pos IS NOT NULL");
  const leased = count("replicas WHERE state = 'leased'");
  const overdue = db.query<{ n: number }, [number]>("SELECT COUNT(*) AS n FROM replicas WHERE state = 'leased' AND expires_at <= ?1");
  const backlog = count("settlements");
  const finished = count("jobs WHERE finished_at IS NOT NULL");
  return {
    async read(now) {
      return { queued: queued.get()!.n, leased: leased.get()!.n, overdue: overdue.get(now)!.n, settlementBacklog: backlog.get()!.n, finishedJobs: finished.get()!.n };
    },
    async close() {
      db.close();
    },
  };
}
