import { emit, events, MedusaError, type AnnouncedProgram, notFound, type BlobStore, type Bus, type ChunkStore, type JobRecord, type Logger, type JobEvent, type SettlementQueue, type StoredEvent, type Transition } from "@medusa/core";
import { dropJobBlobs } from "./job-blobs.ts";
import { logJobEnd } from "./job-end-log.ts";
import type { ProgramSource } from "./program-source.ts";
import type { ReplicaPolicy } from "./replica-policy.ts";
import type { SettlementForwarder } from "./settlement-forwarder.ts";

/** What every scheduler handler works with: the store, the bus, the clock, and how a transition is made known. */
export interface SchedulerContext {
  bus: Bus;
  store: ChunkStore;
  blobs: BlobStore;
  settlements: SettlementQueue;
  programs: ProgramSource;
  policy: ReplicaPolicy;
  /** Price per accepted chunk result when a job names none. */
  defaultPrice: number;
  /** The bus queue group the handlers serve in. */
  queue: string;
  now: () => number;
  log: Logger;
  /** What a handler that throws something unexpected reports (bus handlers, with the request id). */
  onError: (err: unknown, where: { subject: string; requestId: string }) => void;
  /**
   * Makes a transition known, in order: the settlement outbox is kicked when it
   * may have recorded a payout or a refund, each job's events go out on its
   * subject as one message (a job that stopped early is also announced to gateways; a job's
   * end gets a log line), and the chunks it queued are announced as work for
   * idle nodes, with `program` when it is a new job's (see announcedProgram).
   */
  publish(t: Transition, program?: AnnouncedProgram): void;
  /** How long a lease a gateway will renew lasts between renewals (MEDUSA_LEASE_MS). */
  leaseMs: number;
  /** A splitter's lease on a split, and how long a split sent to the splitters waits to be claimed (MEDUSA_SPLIT_LEASE_MS). */
  splitLeaseMs: number;
  /** How long a finished job is kept (MEDUSA_RETENTION). */
  retentionMs: number;
  /** The owner's job; `gone` when its retention ran out, not_found when it never was the owner's. */
  ownedJob(jobId: string, owner: string): Promise<JobRecord>;
}

export function schedulerContext(parts: Omit<SchedulerContext, "publish" | "ownedJob">, outbox: SettlementForwarder): SchedulerContext {
  const { bus, store } = parts;
  return {
    ...parts,
    publish(t, program) {
      if (t.events.some((e) => e.event.type === "chunk" || e.event.type === "done" || e.event.type === "failed" || e.event.type === "cancelled")) outbox.kick();
      for (const [jobId, batch] of byJob(t.events)) emit(bus, events.jobEvents, batch, jobId);
      for (const { jobId, event } of t.events) {
        if (event.type === "failed" || event.type === "cancelled") {
          emit(bus, events.jobStopped, { jobId, state: event.type });
          // Nothing will run over its chunks again: their blobs go now; a done job's at the end of its retention.
          void dropJobBlobs(parts.blobs, jobId, parts.log);
        }
        if (event.type === "done" || event.type === "failed" || event.type === "cancelled") void logJobEnd(store, parts.log, jobId, event);
      }
      if (t.queued > 0) emit(bus, events.workAvailable, { chunks: t.queued, ...(program ? { programs: [program] } : {}) });
    },
    async ownedJob(jobId, owner) {
      const job = await store.getJob(jobId);
      if (job?.owner === owner) return job;
      const expired = job ? null : await store.expiredJob(jobId);
      if (expired?.owner === owner) {
        const finished = new Date(expired.finishedAt).toISOString();
        throw new MedusaError("gone", `job ${jobId} is gone: it ${expired.state === "done" ? "finished" : `was ${expired.state}`} at ${finished}, and finished jobs are kept for ${describeMs(parts.retentionMs)}`, { state: expired.state, finishedAt: finished, expiredAt: new Date(expired.expiredAt).toISOString() });
      }
      throw notFound(`job ${jobId}`);
    },
  };
}

/** A transition's events by job, each job's in the order appended. */
function byJob(stored: StoredEvent[]): Map<string, JobEvent[]> {
  const out = new Map<string, JobEvent[]>();
  for (const { jobId, event } of stored) {
    const list = out.get(jobId);
    if (list) list.push(event);
    else out.set(jobId, [event]);
  }
  return out;
}

/** "7 days", "12 hours", "90 seconds": a retention as people read it. */
export function describeMs(ms: number): string {
  const units: Array<[string, number]> = [["day", 86_400_000], ["hour", 3_600_000], ["minute", 60_000], ["second", 1000]];
  for (const [name, size] of units) if (ms >= size && ms % size === 0) return `${ms / size} ${name}${ms === size ? "" : "s"}`;
  return `${ms} ms`;
}
