import { Counter, Gauge, type Registry } from "@medusa/ops";
import type { ChunkStatsReader } from "@medusa/adapters";
import type { ChunkStore, JobEvent, StoredEvent } from "@medusa/core";

/**
 * The scheduler's figures. Counters come from the transitions this replica
 * makes (the store is wrapped, so the handlers stay as they are): sum them
 * over replicas in Prometheus (`sum(rate(…[1m]))`). Gauges are read from the
 * store at scrape time, so every replica reports the same deployment-wide
 * figure (take `max`, not `sum`).
 */
export function meteredChunkStore(store: ChunkStore, registry: Registry): ChunkStore {
  const registers = [registry];
  const jobs = new Counter({ name: "medusa_jobs_total", help: "Jobs entering a state: created, done, failed or cancelled (running = created - the others).", labelNames: ["state"], registers });
  const leased = new Counter({ name: "medusa_chunks_leased_total", help: "Chunk leases handed to nodes.", registers });
  const done = new Counter({ name: "medusa_chunks_done_total", help: "Chunks whose result was accepted.", registers });
  const results = new Counter({ name: "medusa_chunk_results_total", help: "Results nodes reported, by outcome (accepted, pending, rejected, stale, job_final).", labelNames: ["outcome"], registers });
  const failed = new Counter({ name: "medusa_chunks_failed_total", help: "Failed chunk attempts nodes reported, by outcome.", labelNames: ["outcome"], registers });
  const expired = new Counter({ name: "medusa_lease_expiries_total", help: "Leases that expired and went back to the queue (or failed their job).", registers });
  const released = new Counter({ name: "medusa_chunks_released_total", help: "Chunks handed back because their node left.", registers });
  for (const state of ["created", "done", "failed", "cancelled"]) jobs.inc({ state }, 0);

  const ended: Partial<Record<JobEvent["type"], string>> = { done: "done", failed: "failed", cancelled: "cancelled" };
  const countEvents = (events: StoredEvent[]) => {
    for (const { event } of events) {
      if (event.type === "chunk") done.inc();
      const state = ended[event.type];
      if (state) jobs.inc({ state });
    }
  };
  const observe: Partial<Record<keyof ChunkStore, (reply: never) => void>> = {
    createJob: () => jobs.inc({ state: "created" }),
    leaseChunks: (t: { leases: unknown[] }) => leased.inc(t.leases.length),
    completeChunk: (t: { outcome: string }) => results.inc({ outcome: t.outcome }),
    completeChunks: (t: { completed: Array<{ outcome: string }> }) => t.completed.forEach(({ outcome }) => results.inc({ outcome })),
    failChunk: (t: { outcome: string }) => failed.inc({ outcome: t.outcome }),
    requeueExpired: (t: { requeued: number }) => expired.inc(t.requeued),
    releaseNode: (t: { requeued: number }) => released.inc(t.requeued),
  };

  return new Proxy(store, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target);
      if (typeof value !== "function") return value;
      const method = value.bind(target) as (...args: unknown[]) => unknown;
      const after = observe[prop as keyof ChunkStore];
      return (...args: unknown[]) => {
        const reply = method(...args);
        if (!(reply instanceof Promise)) return reply;
        return reply.then((t: unknown) => {
          const events = (t as { events?: StoredEvent[] } | null)?.events;
          if (Array.isArray(events)) countEvents(events);
          after?.(t as never);
          return t;
        });
      };
    },
  });
}

type Stats = Awaited<ReturnType<ChunkStatsReader["read"]>>;

/** Deployment-wide gauges read from the chunk store at each scrape; a store that does not answer leaves them as they were and `medusa_chunk_store_up` at 0. */
export function chunkStoreGauges(stats: ChunkStatsReader, registry: Registry, now: () => number = Date.now): void {
  const registers = [registry];
  // One read per scrape, shared by the gauges below: the registry collects in registration order, so this first one starts it.
  let current: Promise<Stats | null> = Promise.resolve(null);
  const read = () => current;
  new Gauge({
    name: "medusa_chunk_store_up",
    help: "1 when the chunk store answered this scrape's read, else 0.",
    registers,
    async collect() {
      current = stats.read(now()).catch(() => null);
      this.set((await current) ? 1 : 0);
    },
  });
  const gauge = (name: string, help: string, pick: (s: Stats) => number) =>
    new Gauge({
      name,
      help,
      registers,
      async collect() {
        const s = await read();
        if (s) this.set(pick(s));
      },
    });
  gauge("medusa_queue_depth", "Chunks waiting in the queue for a node.", (s) => s.queued);
  gauge("medusa_chunks_leased", "Leases out on chunks right now.", (s) => s.leased);
  gauge("medusa_leases_overdue", "Leases past their expiry that the sweeper has not put back yet.", (s) => s.overdue);
  gauge("medusa_settlement_outbox", "Payouts and refunds recorded in the chunk store, not yet on the settlement queue.", (s) => s.settlementBacklog);
  gauge("medusa_jobs_finished_kept", "Final jobs kept until their retention runs out.", (s) => s.finishedJobs);
}
