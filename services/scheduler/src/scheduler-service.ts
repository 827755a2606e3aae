import { DEFAULT_SPOT_CHECK_RATE, DEFAULT_START_WINDOW, DEFAULT_TRUST_AFTER, limits, logServeError, RENEWED_LEASE_MS, toLogger, type BlobStore, type Bus, type ChunkStore, type LogSink, type PresenceStore, type SessionStore, type SettlementQueue } from "@medusa/core";
import { serveBatchHandlers } from "./batch-handlers.ts";
import { serveChunkHandlers } from "./chunk-handlers.ts";
import { serveCreateJob } from "./create-job.ts";
import { serveJobHandlers } from "./job-handlers.ts";
import { sweepExpiredLeases } from "./lease-sweeper.ts";
import { ProgramSource } from "./program-source.ts";
import type { ReplicaPolicy } from "./replica-policy.ts";
import { schedulerContext } from "./scheduler-context.ts";
import { expireFinishedJobs, sweepRetention } from "./retention-sweeper.ts";
import { forwardSettlements } from "./settlement-forwarder.ts";
import { serveSplitHandlers } from "./split-handlers.ts";
import { servePresence } from "./presence-handlers.ts";
import { serveSessions } from "./session-handlers.ts";

export const DEFAULT_SPLIT_LEASE_MS = 15_000;

export interface SchedulerDeps {
  store: ChunkStore;
  blobs: BlobStore;
  /** Where payouts and refunds go (JetStream, or straight to the embedded credits service). */
  settlements: SettlementQueue;
  /** Price per accepted chunk result when a job names none. */
  pricePerChunk?: number;
  /** Owner rule and adaptive replication; default: replicas across owners, trust after 10, spot-check 10%. */
  replicaPolicy?: Partial<ReplicaPolicy>;
  now?: () => number;
  /** How often expired leases are swept back into the queue. */
  sweepMs?: number;
  /** How long a lease that its gateway renews lasts between renewals (MEDUSA_LEASE_MS); default RENEWED_LEASE_MS. */
  leaseMs?: number;
  /** A splitter's lease on a split (MEDUSA_SPLIT_LEASE_MS): a killed splitter's split is taken over this long after its last renewal; default 15 s. */
  splitLeaseMs?: number;
  /** How long finished jobs are kept (MEDUSA_RETENTION); default 7 days. */
  retentionMs?: number;
  /** How often jobs past their retention are deleted; default every minute. */
  retentionSweepMs?: number;
  /** Job ends, rejected results, swept leases and handler failures. */
  log?: LogSink;
  /** Shared node presence; without it gateways see only their own nodes. */
  presence?: PresenceStore;
  /** How long a node stays present without a heartbeat from its gateway (MEDUSA_PRESENCE_TTL); default 5 s. */
  presenceTtlMs?: number;
  /** Sessions' durable state, in the chunk store beside the jobs; without it gateways cannot host sessions. */
  sessions?: SessionStore;
}

/**
 * The scheduler: the one place that advances jobs and chunks. Each request is
 * one store transition (its handler lives with its kin: creating a job, the
 * owner's job requests, the splitter's, the nodes'); the events it appended
 * are published afterwards, in order, on the job's subject. This only wires.
 */
export function serveScheduler(bus: Bus, deps: SchedulerDeps, opts: { queue?: string } = {}) {
  const log = toLogger(deps.log);
  const outbox = forwardSettlements(deps.store, deps.settlements, { log });
  const ctx = schedulerContext(
    {
      bus,
      store: deps.store,
      blobs: deps.blobs,
      settlements: deps.settlements,
      programs: new ProgramSource(deps.blobs),
      policy: { sameOwnerReplicas: false, distinctOrigins: true, trustAfter: DEFAULT_TRUST_AFTER, spotCheckRate: DEFAULT_SPOT_CHECK_RATE, startWindow: DEFAULT_START_WINDOW, ...deps.replicaPolicy },
      defaultPrice: deps.pricePerChunk ?? 1,
      retentionMs: deps.retentionMs ?? limits.retentionMs,
      splitLeaseMs: deps.splitLeaseMs ?? DEFAULT_SPLIT_LEASE_MS,
      leaseMs: deps.leaseMs ?? RENEWED_LEASE_MS,
      queue: opts.queue ?? "scheduler",
      now: deps.now ?? Date.now,
      log,
      onError: logServeError(log),
    },
    outbox,
  );
  const served = [serveCreateJob(ctx), ...serveJobHandlers(ctx), ...serveSplitHandlers(ctx), ...serveChunkHandlers(ctx), ...serveBatchHandlers(ctx)];
  const stopSweeping = sweepExpiredLeases(ctx, deps.sweepMs ?? 1000);
  const presence = deps.presence ? servePresence(ctx, deps.presence, { ttlMs: deps.presenceTtlMs ?? 5_000, sweepMs: deps.sweepMs ?? 1000 }) : undefined;
  if (presence) served.push(...presence.served);
  if (deps.sessions) served.push(...serveSessions(ctx, deps.sessions, outbox));
  const stopExpiring = sweepRetention(ctx, deps.retentionSweepMs ?? 60_000);

  return {
    /** One retention sweep now, at `now` (tests move the clock past the retention with it). */
    expireFinishedJobs: (now = ctx.now()) => expireFinishedJobs(ctx, now),
    async close() {
      stopSweeping();
      stopExpiring();
      presence?.stop();
      await outbox.close();
      for (const s of served) s.subscription.unsubscribe();
      await Promise.all(served.map((s) => s.done));
    },
  };
}
