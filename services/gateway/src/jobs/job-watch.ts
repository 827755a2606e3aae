import { call, events, isFinal, listen, subjects, type Bus, type JobEvent, type JobState, type Served } from "@medusa/core";

/**
 * A job's events as a doorbell, for readers that wait on a job: `next`
 * resolves when any event of the job arrives (or after `ms`), and `ended`
 * says the final state once a `done`, `failed` or `cancelled` event came.
 *
 * Open it before the first look at the job (or before the request that
 * creates it), and an event published after that look still rings: the
 * subscription goes out on the bus ahead of the request, and the bus keeps
 * one client's order (NATS handles a connection's SUB before the PUB that
 * follows it; MemoryBus subscribes at once), so no flush round trip is
 * needed. Events are not durable, so a waiting reader still re-reads the job
 * now and then; the timeout bounds what a lost event could cost.
 */
export class JobWatch {
  /** The final state an event named, once one arrived. */
  ended: JobState | undefined;
  private readonly served: Served;
  private rung = false;
  private wake: ((rang: boolean) => void) | undefined;

  private constructor(bus: Bus, jobId: string) {
    this.served = listen(bus, events.jobEvents, (batch) => this.ring(batch), { subject: events.jobEvents.subject(jobId) });
  }

  static open(bus: Bus, jobId: string): JobWatch {
    return new JobWatch(bus, jobId);
  }

  /** Resolves at the next event since the last call (at once if one came meanwhile): true; or after `ms`, or on stop: false. */
  next(ms: number): Promise<boolean> {
    if (this.rung) {
      this.rung = false;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => done(false), Math.max(0, ms));
      const self = this;
      function done(rang: boolean) {
        clearTimeout(timer);
        self.wake = undefined;
        self.rung = false;
        resolve(rang);
      }
      this.wake = done;
    });
  }

  stop(): void {
    this.served.subscription.unsubscribe();
    this.wake?.(false);
  }

  private ring(batch: JobEvent[]): void {
    const final = batch.find((e) => e.type === "done" || e.type === "failed" || e.type === "cancelled");
    if (final) this.ended = final.type as JobState;
    this.rung = true;
    this.wake?.(true);
  }
}

/** A lost event costs at most this long before a waiting reader looks again. */
export const RECHECK_MS = 5_000;

export interface WaitOptions {
  signal?: AbortSignal;
  /** A watch the caller opened before it last looked at the job; it is stopped here. */
  watch?: JobWatch;
  /** The job's state as the caller just read it (with `watch` open), saving the first read. */
  state?: JobState;
}

/**
 * Waits until the job is final or `deadline` (ms) passes, or `signal` aborts;
 * the job's state at the end. The job is read at the start (unless the caller
 * says its state), after a quiet RECHECK_MS and when the wait runs out; events
 * that are not final cost no read, and a final one says the state itself.
 */
export async function waitUntilFinal(bus: Bus, owner: string, jobId: string, deadline: number, opts: WaitOptions = {}): Promise<JobState> {
  const { signal } = opts;
  const watch = opts.watch ?? JobWatch.open(bus, jobId);
  const abort = () => watch.stop();
  signal?.addEventListener("abort", abort);
  const read = async () => (await call(bus, subjects.getJob, { owner, jobId })).state;
  try {
    let state = opts.state ?? (await read());
    for (;;) {
      if (isFinal(state) || signal?.aborted) return state;
      const left = deadline - Date.now();
      if (left <= 0) return state;
      const rang = await watch.next(Math.min(left, RECHECK_MS));
      if (watch.ended) state = watch.ended;
      else if (!rang && !signal?.aborted) state = await read();
    }
  } finally {
    signal?.removeEventListener("abort", abort);
    watch.stop();
  }
}
