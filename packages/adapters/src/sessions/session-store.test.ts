import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Redis from "ioredis";
import type { ChunkStore, SessionRecord, SessionStore } from "@medusa/core";
import { redisAvailable, testPrefix, TEST_REDIS_URL } from "@medusa/testing/servers";
import { RedisChunkStore } from "../chunks/redis-chunk-store.ts";
import { SqliteChunkStore } from "../chunks/sqlite-chunk-store.ts";
import { RedisSessionStore } from "./redis-sessions.ts";
import { sessionRecord, sessionStoreContract } from "./session-store.contract.ts";
import { SqliteSessionStore } from "./sqlite-sessions.ts";

sessionStoreContract("sqlite", async () => {
  const dir = mkdtempSync(join(tmpdir(), "medusa-sessions-"));
  const path = join(dir, "chunks.sqlite");
  // The session store first: it must work on a file the chunk store has not made yet.
  const sessions = new SqliteSessionStore(path);
  const chunks = new SqliteChunkStore(path);
  return {
    sessions,
    chunks,
    reopen: async () => new SqliteSessionStore(path),
    close: async () => (await sessions.close(), await chunks.close(), rmSync(dir, { recursive: true, force: true })),
  };
});

if (await redisAvailable()) {
  sessionStoreContract("redis", async () => {
    const prefix = testPrefix("sessions");
    const redis = new Redis(TEST_REDIS_URL);
    const sessions = new RedisSessionStore(new Redis(TEST_REDIS_URL), prefix);
    const chunks = new RedisChunkStore(new Redis(TEST_REDIS_URL), prefix);
    return {
      sessions,
      chunks,
      reopen: async () => new RedisSessionStore(new Redis(TEST_REDIS_URL), prefix),
      close: async () => {
        const keys = await redis.keys(`${prefix}:*`);
        if (keys.length > 0) await redis.del(...keys);
        await Promise.all([sessions.close(), chunks.close()]);
        redis.disconnect();
      },
    };
  });
}

/** A record as the release before round fields wrote it: whole, one round in. */
const OLDER: SessionRecord = sessionRecord({
  id: "ses_old",
  spent: 6,
  rounds: 1,
  last: { round: 1, partials: [1, 10], ms: 1 },
  hostUntil: Date.now() + 60_000,
  createdAt: 1,
  activeAt: 2,
});

/** What a data folder an older release left behind must still do: read whole, take its next round once, pay it once. */
async function olderRecordCarriesOn(sessions: SessionStore, chunks: ChunkStore): Promise<void> {
  expect(await sessions.getSession("ses_old")).toEqual(OLDER);
  expect(await sessions.completeRound("ses_old", "gw-a", { round: 1, partials: [0, 0], ms: 1 }, ["n1", "n2"], 3)).toBe("stale");
  expect(await sessions.completeRound("ses_old", "gw-a", { round: 2, partials: [2, 20], ms: 1 }, ["n1", "n1"], 4)).toBe("ok");
  expect(await sessions.getSession("ses_old")).toEqual({ ...OLDER, rounds: 2, spent: 12, last: { round: 2, partials: [2, 20], ms: 1 }, activeAt: 4 });
  const paid = await chunks.claimSettlements(100, 0, 10_000);
  expect(paid).toEqual([{ v: 1, kind: "payout", key: "payout:ses_old:round-2:n1", jobId: "ses_old", nodeId: "n1", amount: 6 }]);
  expect(await sessions.completeRound("ses_old", "gw-a", { round: 3, partials: [3, 30], ms: 1 }, ["n1", "n2"], 5)).toBe("spent");
}

const withRedis = await redisAvailable();
describe("sessions an older release stored", () => {
  test("sqlite: the sessions table gains the round columns, and the row carries on", async () => {
    const dir = mkdtempSync(join(tmpdir(), "medusa-sessions-old-"));
    const path = join(dir, "chunks.sqlite");
    const old = new Database(path, { create: true });
    old.exec("CREATE TABLE sessions (id TEXT PRIMARY KEY, version INTEGER NOT NULL, host_until REAL, record TEXT NOT NULL)");
    old.query("INSERT INTO sessions VALUES (?, 3, ?, ?)").run(OLDER.id, OLDER.hostUntil, JSON.stringify(OLDER));
    old.close();
    const sessions = new SqliteSessionStore(path);
    const chunks = new SqliteChunkStore(path);
    try {
      await olderRecordCarriesOn(sessions, chunks);
    } finally {
      await sessions.close();
      await chunks.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test.if(withRedis)("redis: a hash holding only version and record carries on", async () => {
    const prefix = testPrefix("sessions-old");
    const redis = new Redis(TEST_REDIS_URL);
    await redis.hset(`${prefix}:session:${OLDER.id}`, "version", 3, "record", JSON.stringify(OLDER));
    await redis.zadd(`${prefix}:sessions:hosts`, OLDER.hostUntil, OLDER.id);
    const sessions = new RedisSessionStore(new Redis(TEST_REDIS_URL), prefix);
    const chunks = new RedisChunkStore(new Redis(TEST_REDIS_URL), prefix);
    try {
      await olderRecordCarriesOn(sessions, chunks);
    } finally {
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length > 0) await redis.del(...keys);
      await Promise.all([sessions.close(), chunks.close()]);
      redis.disconnect();
    }
  });
});
