import type Redis from "ioredis";
import { z } from "zod";
import {
  ChunkLease, DEFAULT_SPOT_CHECK_RATE, DEFAULT_TRUST_AFTER, FREE_RELEASES, JobEvent, type JobRecord, leaseMsFor, newSecret, NodeReputation, replicasBudgeted, Settlement,
} from "@medusa/core";
import type {
  BatchTransition, ChunkError, ChunkInput, ChunkResult, ChunkStore, CompleteOutcome, CompleteTransition, DueSplit, ExpiredJob, ExpireOptions, LeaseHolder, LeaseOptions, NewChunk, SplitBatch, SplitClaim, SplitTask, Transition,
} from "@medusa/core";
import { completeChunks } from "./redis-complete-chunks.ts";
import { recordFromHash } from "./redis-job-hash.ts";
import { leasedInput } from "./redis-leased-input.ts";
import { readReduceResult, readResults } from "./redis-results.ts";
import { claimSplit, releaseSplit, renewSplit, requeueExpiredSplits } from "./redis-splits.ts";
import { expiredJob, expireJobs } from "./redis-retention.ts";
import { chunkKeys, type ChunkKeys } from "./redis-keys.ts";
import { decodeReply, defineScripts, resultOf, runScript } from "./redis-scripts.ts";

export interface RedisChunkStoreOptions {
  /** Events kept per job; older ones are trimmed. */
  maxEvents?: number;
}

/** What complete-chunk returns after its events when the caller held a lease. */
const CompleteRest = z.tuple([z.enum(["accepted", "pending", "rejected"]), z.string()]);

/**
 * Chunk state in Redis: each transition is one Lua script in ./lua. This
 * class is the only thing that builds their KEYS/ARGV. Scripts also build
 * keys they discover while running (a ref popped from the queue names its
 * job and chunk) from the prefix in ARGV: fine on a single Redis, not on a
 * cluster, where those keys could live on another shard.
 */
export class RedisChunkStore implements ChunkStore {
  private readonly keys: ChunkKeys;
  private readonly maxEvents: number;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    options: RedisChunkStoreOptions = {},
  ) {
    this.keys = chunkKeys(prefix);
    this.maxEvents = options.maxEvents ?? 10_000;
    defineScripts(redis);
  }

  async createJob(job: JobRecord, now: number, split?: SplitTask): Promise<Transition> {
    const fields: Array<string | number> = [
      "id", job.id, "owner", job.owner, "runtime", job.program.runtime, "name", job.name, "program", JSON.stringify(job.program),
      "hasReduce", job.hasReduce ? 1 : 0, "state", "queued", "total", 0, "done", 0, "running", 0, "failed", 0,
      "sealed", 0, "items", job.items, "timeoutMs", job.timeoutMs, "maxAttempts", job.maxAttempts, "minReputation", job.minReputation ?? 0,
      "replicas", replicasBudgeted(job.replicas), "quorum", job.quorum, "adaptive", job.replicas === "auto" ? 1 : 0, "createdAt", job.createdAt, "leaseMs", leaseMsFor(job.timeoutMs),
      "maps", 0, "reduceQueued", 0, "eventSeq", 0, "price", job.credits.price, "held", job.credits.held, "spent", 0,
      ...(split ? ["splitRequest", split.request, "splitToken", "", "splitAttempts", 1, "splitError", "", "splitBack", 0] : []),
    ];
    const reply = await runScript(this.redis, "create-job", [this.keys.job(job.id), this.keys.ownerJobs(job.owner)], [
      this.prefix, job.id, job.createdAt, this.maxEvents, split ? now + split.dueMs : "", ...fields,
    ]);
    const { code, events, queued } = decodeReply(reply);
    resultOf(code, job.id);
    return { events, queued };
  }

  async getJob(jobId: string): Promise<JobRecord | null> {
    const hash = await this.redis.hgetall(this.keys.job(jobId));
    return Object.keys(hash).length === 0 ? null : recordFromHash(hash);
  }

  async listJobs(owner: string, limit: number, before?: string): Promise<JobRecord[]> {
    if (limit <= 0) return [];
    // The zset orders equal createdAt scores by id, as the SQLite store does; ranks count from the newest.
    let from = 0;
    if (before !== undefined) {
      const rank = await this.redis.zrevrank(this.keys.ownerJobs(owner), before);
      if (rank === null) return [];
      from = rank + 1;
    }
    const ids = await this.redis.zrevrange(this.keys.ownerJobs(owner), from, from + limit - 1);
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hgetall(this.keys.job(id));
    const replies = (await pipeline.exec()) ?? [];
    return replies.flatMap(([err, hash]) => {
      if (err) throw err;
      const h = hash as Record<string, string>;
      return Object.keys(h).length === 0 ? [] : [recordFromHash(h)];
    });
  }

  async addChunks(jobId: string, chunks: NewChunk[], batch?: SplitBatch): Promise<Transition & { accepted: boolean }> {
    const args = chunks.flatMap((c) => [c.offset, c.count, JSON.stringify(c.input)]);
    const reply = await runScript(this.redis, "add-chunks", [this.keys.job(jobId), this.keys.queue], [
      this.prefix, jobId, this.maxEvents, batch?.token ?? "", batch?.at ?? 0, ...args,
    ]);
    const { code, events, queued } = decodeReply(reply);
    return { events, queued, accepted: resultOf(code, jobId) === "ok" };
  }

  async sealJob(jobId: string, items: number, now: number, token = ""): Promise<Transition> {
    const reply = await runScript(this.redis, "seal-job", [this.keys.job(jobId), this.keys.queue], [
      this.prefix, jobId, items, now, this.maxEvents, token,
    ]);
    const { code, events, queued } = decodeReply(reply);
    resultOf(code, jobId);
    return { events, queued };
  }

  claimSplit(jobId: string, holder: string, now: number, leaseMs: number): Promise<SplitClaim | null> {
    return claimSplit(this.redis, this.keys, jobId, holder, now, leaseMs);
  }

  renewSplit(jobId: string, token: string, now: number, leaseMs: number): Promise<boolean> {
    return renewSplit(this.redis, this.keys, jobId, token, now, leaseMs);
  }

  releaseSplit(jobId: string, token: string, now: number, error?: string): Promise<void> {
    return releaseSplit(this.redis, this.keys, jobId, token, now, error);
  }

  requeueExpiredSplits(now: number, limit: number, dueMs: number): Promise<Transition & { due: DueSplit[] }> {
    return requeueExpiredSplits(this.redis, this.prefix, this.keys, { now, limit, dueMs, maxEvents: this.maxEvents });
  }

  async leaseChunks(nodeId: string, max: number, now: number, options: LeaseOptions = {}): Promise<Transition & { leases: ChunkLease[] }> {
    if (max <= 0) return { events: [], queued: 0, leases: [] };
    const random = options.random ?? Math.random;
    const draws = Array.from({ length: max }, () => [newSecret("lease"), random()]).flat();
    const reply = await runScript(this.redis, "lease-chunks", [this.keys.queue, this.keys.leases, this.keys.nodeLeases(nodeId)], [
      this.prefix, nodeId, now, this.maxEvents, options.owner ?? nodeId, options.trustAfter ?? DEFAULT_TRUST_AFTER,
      options.spotCheckRate ?? DEFAULT_SPOT_CHECK_RATE, (options.runtimes ?? []).join(","), options.startWindow ?? "", options.origin ?? "", options.leaseMs ?? "",
      options.backups ? "1" : "0", ...draws,
    ]);
    const { events, queued, rest } = decodeReply(reply);
    const leases = z.array(ChunkLease).parse(JSON.parse(z.string().parse(rest[0])));
    return { events, queued, leases };
  }

  async completeChunk(holder: LeaseHolder, results: string, now: number, hash = results): Promise<CompleteTransition> {
    const reply = await runScript(this.redis, "complete-chunk", this.leaseKeys(holder), [
      this.prefix, holder.jobId, holder.index, holder.nodeId, holder.token, results, now, this.maxEvents, hash,
    ]);
    const { code, events, queued, rest } = decodeReply(reply);
    const result = resultOf(code, holder.jobId);
    if (result !== "ok") return { events, queued, outcome: result, disagreed: [], ...(rest[0] === "settled" ? { settled: true as const } : {}) };
    const [outcome, caught] = CompleteRest.parse(rest);
    return { events, queued, outcome, disagreed: z.array(z.string()).parse(JSON.parse(caught)) };
  }

  completeChunks(results: ChunkResult[], now: number): Promise<BatchTransition> {
    return completeChunks(this.redis, this.prefix, this.keys, this.maxEvents, results, now);
  }

  async failChunk(holder: LeaseHolder, error: ChunkError, now: number): Promise<Transition & { outcome: CompleteOutcome }> {
    const reply = await runScript(this.redis, "fail-chunk", this.leaseKeys(holder), [
      this.prefix, holder.jobId, holder.index, holder.nodeId, holder.token, error.message, error.itemIndex ?? "", now, this.maxEvents,
    ]);
    return this.outcome(reply, holder.jobId);
  }

  async renewLeases(holders: LeaseHolder[], now: number, leaseMs: number): Promise<{ renewed: number }> {
    if (holders.length === 0) return { renewed: 0 };
    const reply = await runScript(this.redis, "renew-leases", [this.keys.leases], [
      this.prefix, now, leaseMs, ...holders.flatMap((h) => [h.nodeId, h.jobId, h.index, h.token]),
    ]);
    return { renewed: z.number().int().parse(decodeReply(reply).rest[0]) };
  }

  async requeueExpired(now: number, limit: number): Promise<Transition & { requeued: number }> {
    if (limit <= 0) return { events: [], queued: 0, requeued: 0 };
    const reply = await runScript(this.redis, "requeue-expired", [this.keys.leases, this.keys.queue], [
      this.prefix, now, limit, this.maxEvents,
    ]);
    const { events, queued, rest } = decodeReply(reply);
    return { events, queued, requeued: z.number().int().parse(rest[0]) };
  }

  async releaseNode(nodeId: string, now: number): Promise<Transition & { requeued: number }> {
    const reply = await runScript(this.redis, "release-node", [this.keys.nodeLeases(nodeId), this.keys.leases, this.keys.queue], [
      this.prefix, nodeId, now, this.maxEvents, FREE_RELEASES,
    ]);
    const { events, queued, rest } = decodeReply(reply);
    return { events, queued, requeued: z.number().int().parse(rest[0]) };
  }

  cancelJob(jobId: string, now: number): Promise<Transition> {
    return this.stopJob(jobId, "cancelled", now, "");
  }

  failJob(jobId: string, error: string, now: number): Promise<Transition> {
    return this.stopJob(jobId, "failed", now, error);
  }

  readResults(jobId: string, from: number, limit: number): Promise<Array<{ index: number; results: string }>> {
    return readResults(this.redis, this.keys, jobId, from, limit);
  }

  readReduceResult(jobId: string): Promise<string | null> {
    return readReduceResult(this.redis, this.keys, jobId);
  }

  async pendingSettlements(limit: number): Promise<Settlement[]> {
    if (limit <= 0) return [];
    const out: Settlement[] = [];
    let cursor = "0";
    do {
      const [next, flat] = await this.redis.hscan(this.keys.settlements, cursor, "COUNT", limit);
      for (let i = 1; i < flat.length && out.length < limit; i += 2) out.push(Settlement.parse(JSON.parse(flat[i]!)));
      cursor = next;
    } while (cursor !== "0" && out.length < limit);
    return out;
  }

  async claimSettlements(limit: number, now: number, leaseMs: number): Promise<Settlement[]> {
    if (limit <= 0) return [];
    const reply = await runScript(this.redis, "claim-settlements", [this.keys.settlements, this.keys.settlementClaims], [now, limit, leaseMs]);
    return z.array(z.string()).parse(reply).map((text) => Settlement.parse(JSON.parse(text)));
  }

  async ackSettlements(keys: string[]): Promise<void> {
    if (keys.length > 0) await this.redis.multi().hdel(this.keys.settlements, ...keys).zrem(this.keys.settlementClaims, ...keys).exec();
  }

  async reputations(nodeIds: string[]): Promise<Record<string, NodeReputation>> {
    const pipeline = this.redis.pipeline();
    for (const id of nodeIds) pipeline.hmget(this.keys.reputation(id), "agreed", "disagreed", "streak", "accepted", "expired");
    const replies = (await pipeline.exec()) ?? [];
    return Object.fromEntries(
      replies.map(([err, fields], i) => {
        if (err) throw err;
        const [agreed, disagreed, streak, accepted, expired] = (fields as Array<string | null>).map((f) => Number(f ?? 0));
        return [nodeIds[i]!, NodeReputation.parse({ agreed, disagreed, streak, accepted, expired })];
      }),
    );
  }

  async readEvents(jobId: string, afterId: number, limit: number): Promise<JobEvent[]> {
    if (limit <= 0) return [];
    const reply = await runScript(this.redis, "read-events", [this.keys.events(jobId)], [afterId, limit]);
    return z.array(z.string()).parse(reply).map((text) => JobEvent.parse(JSON.parse(text)));
  }

  leasedInput(holder: LeaseHolder, now: number): Promise<{ owner: string; input: ChunkInput } | null> {
    return leasedInput(this.redis, this.keys, holder, now);
  }

  expireJobs(options: ExpireOptions): Promise<{ expired: ExpiredJob[]; more: boolean }> {
    return expireJobs(this.redis, this.prefix, options);
  }

  expiredJob(jobId: string): Promise<ExpiredJob | null> {
    return expiredJob(this.redis, this.keys, jobId);
  }

  /** The store owns the connection it was given: closing the store closes it. */
  async close(): Promise<void> {
    if (this.redis.status === "end") return;
    await this.redis.quit().catch(() => this.redis.disconnect());
  }

  private async stopJob(jobId: string, state: "cancelled" | "failed", now: number, error: string): Promise<Transition> {
    const reply = await runScript(this.redis, "stop-job", [this.keys.job(jobId)], [this.prefix, jobId, state, now, this.maxEvents, error]);
    const { code, events, queued } = decodeReply(reply);
    resultOf(code, jobId);
    return { events, queued };
  }

  private leaseKeys(holder: LeaseHolder): string[] {
    return [this.keys.job(holder.jobId), this.keys.chunk(holder.jobId, holder.index), this.keys.queue, this.keys.leases];
  }

  private outcome(reply: unknown, jobId: string): Transition & { outcome: CompleteOutcome } {
    const { code, events, queued } = decodeReply(reply);
    const result = resultOf(code, jobId);
    return { events, queued, outcome: result === "ok" ? "accepted" : result };
  }
}
