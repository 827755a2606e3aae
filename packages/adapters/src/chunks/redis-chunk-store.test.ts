import { afterAll, describe, expect, test } from "bun:test";
import Redis from "ioredis";
import { payoutKey, refundKey } from "@medusa/core";
import { redisAvailable, TEST_REDIS_URL, testPrefix } from "@medusa/testing/servers";
import { chunkStoreContract } from "./chunk-store.contract.ts";
import { RedisChunkStore } from "./redis-chunk-store.ts";
import { chunkKeys, chunkRef, leaseMember, LUA_KEYS } from "./redis-keys.ts";
import { resultOf, ScriptCode, scriptSource } from "./redis-scripts.ts";
import { expireJobs } from "./redis-retention.ts";

const available = await redisAvailable();

describe.skipIf(!available)("RedisChunkStore", () => {
  const redis = new Redis(TEST_REDIS_URL, { lazyConnect: true });
  const prefixes: string[] = [];

  // One pass over the keyspace for all of this run's prefixes: a pass per prefix
  // grows with everything else the shared Redis holds and outlasts the hook.
  afterAll(async () => {
    const ours = (key: string) => prefixes.some((p) => key.startsWith(`${p}:`));
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "COUNT", 5000);
      const mine = keys.filter(ours);
      if (mine.length > 0) await redis.del(...mine);
      cursor = next;
    } while (cursor !== "0");
    redis.disconnect();
  }, 60_000);

  chunkStoreContract("redis", async (options) => {
    const prefix = testPrefix("chunks");
    prefixes.push(prefix);
    return new RedisChunkStore(new Redis(TEST_REDIS_URL), prefix, options);
  });

  test("the Lua key builders name the same keys as redis-keys.ts", async () => {
    const keys = chunkKeys("pfx");
    const lua = `${LUA_KEYS}
local jobId, index = parseRef(chunkRef("job_a:b", 7))
local nodeId, leaseJob, leaseIndex = parseLeaseMember(leaseMember("node_q", "job_a:b", 7))
return { jobKey("pfx", "job_x"), eventsKey("pfx", "job_x"), chunkKey("pfx", "job_x", 3), nodeLeasesKey("pfx", "n1"),
  replicasKey("pfx", "job_x", 3), unpaidKey("pfx", "job_x"), reputationKey("pfx", "n1"), settlementsKey("pfx"),
  finishedKey("pfx"), ownerJobsKey("pfx", "acct_o"), expiredKey("pfx", "job_x"),
  leaseMember("node_q", "job_a:b", 7), jobId, index, nodeId, leaseJob, leaseIndex }`;
    expect(await redis.eval(lua, 0)).toEqual([
      keys.job("job_x"), keys.events("job_x"), keys.chunk("job_x", 3), keys.nodeLeases("n1"),
      keys.replicas("job_x", 3), keys.unpaid("job_x"), keys.reputation("n1"), keys.settlements,
      keys.finished, keys.ownerJobs("acct_o"), keys.expired("job_x"),
      leaseMember("node_q", "job_a:b", 7), "job_a:b", 7, "node_q", "job_a:b", 7,
    ]);
  });

  test("the Lua settlement keys are core's: payouts and refunds recorded in a script settle under the keys the ledger expects", async () => {
    const lua = `${LUA_KEYS}
return { payoutKey("job_x", 3, "node_q"), payoutKey("job_x", "12", "node_q"), refundKey("job_x") }`;
    expect(await redis.eval(lua, 0)).toEqual([payoutKey("job_x", 3, "node_q"), payoutKey("job_x", 12, "node_q"), refundKey("job_x")]);
    expect(chunkRef("job_a:b", 7)).toBe("job_a:b:7");
    expect(leaseMember("node_q", "job_a:b", 7)).toBe("node_q|job_a:b:7");
  });

  test("every script resolves its includes and compiles", async () => {
    for (const name of ["create-job", "add-chunks", "seal-job", "lease-chunks", "complete-chunk", "fail-chunk", "requeue-expired", "release-node", "stop-job", "read-events", "expire-jobs"]) {
      const source = scriptSource(name);
      expect(source).not.toContain("@include");
      expect(typeof (await redis.script("LOAD", source))).toBe("string");
    }
  });

  test("the code mapping turns each script code into an outcome or a coded error", () => {
    expect(resultOf(ScriptCode.ok, "j")).toBe("ok");
    expect(resultOf(ScriptCode.jobFinal, "j")).toBe("job_final");
    expect(resultOf(ScriptCode.notLeaseHolder, "j")).toBe("stale");
    expect(() => resultOf(ScriptCode.jobMissing, "j")).toThrow(expect.objectContaining({ code: "not_found" }));
    expect(() => resultOf(ScriptCode.jobExists, "j")).toThrow(expect.objectContaining({ code: "conflict" }));
    expect(() => resultOf(ScriptCode.jobSealed, "j")).toThrow(expect.objectContaining({ code: "conflict" }));
    expect(() => resultOf(-99, "j")).toThrow(expect.objectContaining({ code: "internal" }));
  });

  test("a chunk leased before replicas existed (lease on the chunk hash) is put back by the sweeper and runs again", async () => {
    const prefix = testPrefix("chunks");
    prefixes.push(prefix);
    const store = new RedisChunkStore(new Redis(TEST_REDIS_URL), prefix);
    const { jobRecord, itemsChunk } = await import("./chunk-store.contract.ts");
    const job = jobRecord();
    await store.createJob(job, 1);
    await store.addChunks(job.id, [itemsChunk(0, 1)]);
    // What the one-lease-per-chunk release left behind: no replica fields, the lease on the chunk itself.
    const keys = chunkKeys(prefix);
    await redis.lpop(keys.queue);
    await redis.hdel(keys.job(job.id), "quorum", "adaptive");
    await redis.hdel(keys.chunk(job.id, 0), "wanted", "quorum", "failures", "inQueue");
    await redis.hset(keys.chunk(job.id, 0), "state", "leased", "token", "lease_old", "nodeId", "n_old", "expiresAt", 5);
    await redis.hset(keys.job(job.id), "running", 1);
    await redis.zadd(keys.leases, 5, chunkRef(job.id, 0));
    expect(await store.requeueExpired(10, 10)).toMatchObject({ requeued: 1 });
    const again = (await store.leaseChunks("n1", 5, 11)).leases;
    expect(again.map((l) => l.index)).toEqual([0]);
    expect((await store.completeChunk({ ...again[0]!, nodeId: "n1" }, "[0]", 12)).outcome).toBe("accepted");
    expect((await store.getJob(job.id))!.chunks).toEqual({ total: 1, done: 1, running: 0, failed: 0 });
    await store.close();
  });

  test("a cancelled job's queued refs are dropped from the queue as leases pass them", async () => {
    const prefix = testPrefix("chunks");
    prefixes.push(prefix);
    const store = new RedisChunkStore(new Redis(TEST_REDIS_URL), prefix);
    const { jobRecord, itemsChunk } = await import("./chunk-store.contract.ts");
    const job = jobRecord();
    await store.createJob(job, 1);
    await store.addChunks(job.id, [itemsChunk(0, 1), itemsChunk(1, 1)]);
    await store.cancelJob(job.id, 2);
    expect(await redis.llen(chunkKeys(prefix).queue)).toBe(2);
    expect((await store.leaseChunks("n1", 5, 3)).leases).toEqual([]);
    expect(await redis.llen(chunkKeys(prefix).queue)).toBe(0);
    await store.close();
    await store.close();
  });

  /** Every key under the prefix that names the job. */
  async function keysOf(prefix: string, jobId: string): Promise<string[]> {
    const found: string[] = [];
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}:*${jobId}*`, "COUNT", 1000);
      found.push(...keys);
      cursor = next;
    } while (cursor !== "0");
    return found.sort();
  }

  test("retention: an expired job leaves no key behind but its expired record, deleting a big job's chunks a bounded number per call", async () => {
    const prefix = testPrefix("chunks");
    prefixes.push(prefix);
    const store = new RedisChunkStore(new Redis(TEST_REDIS_URL), prefix);
    const { jobRecord, itemsChunk } = await import("./chunk-store.contract.ts");
    const job = jobRecord({ hasReduce: true });
    await store.createJob(job, 1);
    await store.addChunks(job.id, Array.from({ length: 9 }, (_, i) => itemsChunk(i, 1)));
    await store.sealJob(job.id, 9, 2);
    const leases = (await store.leaseChunks("n1", 3, 3)).leases;
    await store.completeChunk({ ...leases[0]!, nodeId: "n1" }, "[0]", 4);
    await store.cancelJob(job.id, 5);
    const keys = chunkKeys(prefix);
    expect(await keysOf(prefix, job.id)).toContain(keys.chunk(job.id, 9));
    expect(await redis.zscore(keys.finished, job.id)).toBe("5");

    const options = { finishedBefore: 5, now: 100, limit: 10, forgetAfterMs: 60_000 };
    // What the store's expireJobs runs, with room for 4 chunks a call instead of 10,000.
    const expire = () => expireJobs(redis, prefix, options, 4);
    const first = await expire();
    expect(first).toMatchObject({ expired: [{ id: job.id, state: "cancelled" }], more: true });
    // The job is gone for readers at once; its 10 chunks go 4 at a time.
    expect(await store.getJob(job.id)).toBeNull();
    expect((await keysOf(prefix, job.id)).filter((k) => k.startsWith(`${prefix}:chunk:`)).length).toBeGreaterThan(0);
    expect((await expire()).more).toBe(true);
    expect(await expire()).toEqual({ expired: [], more: false });
    expect(await keysOf(prefix, job.id)).toEqual([keys.expired(job.id)]);
    expect(await redis.pttl(keys.expired(job.id))).toBeGreaterThan(50_000);
    // The leases still out on it are gone from the lease zset and the node's set.
    expect(await redis.zrange(keys.leases, 0, -1)).toEqual([]);
    expect(await redis.smembers(keys.nodeLeases("n1"))).toEqual([]);
    expect(await redis.llen(keys.purge)).toBe(0);
    await store.close();
  });
});
