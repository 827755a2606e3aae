import { emit, events, MedusaError, type BlobStore, type Bus, type ChunkStore, type JobRecord, type Logger, type SettlementQueue, type Transition } from "@medusa/core";
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
   * may have recorded a payout or a refund, each event goes out on its job's
   * subject (a job that stopped early is also announced to gateways; a job's
   * end gets a log line), and the chunks it queued are announced as work for
   * idle nodes.
   */
  publish(t: Transition): void;
  /** The owner's job, or not_found (also for another account's job). */
  ownedJob(jobId: string, owner: string): Promise<JobRecord>;
}

export function schedulerContext(parts: Omit<SchedulerContext, "publish" | "ownedJob">, outbox: SettlementForwarder): SchedulerContext {
  const { bus, store } = parts;
  return {
    ...parts,
    publish(t) {
      if (t.events.some((e) => e.event.type === "chunk" || e.event.type === "done" || e.event.type === "failed" || e.event.type === "cancelled")) outbox.kick();
      for (const { jobId, event } of t.events) {
        emit(bus, events.jobEvent, event, jobId);
        if (event.type === "failed" || event.type === "cancelled") emit(bus, events.jobStopped, { jobId, state: event.type });
        if (event.type === "done" || event.type === "failed" || event.type === "cancelled") void logJobEnd(store, parts.log, jobId, event);
      }
      if (t.queued > 0) emit(bus, events.workAvailable, { chunks: t.queued });
    },
    async ownedJob(jobId, owner) {
      const job = await store.getJob(jobId);
      if (!job || job.owner !== owner) throw new MedusaError("not_found", `job ${jobId} not found`);
      return job;
    },
  };
}
