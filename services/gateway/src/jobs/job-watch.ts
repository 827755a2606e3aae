import { call, events, isFinal, listen, subjects, type Bus, type JobState, type Served } from "@medusa/core";

/**
 * A job's events as a doorbell, for readers that wait on a job: `next`
 * resolves when any event of the job arrives (or after `ms`). The
 * subscription opens before the first look at the job, so an event published
 * in between still rings. A reader re-reads the job after each ring; the
 * timeout bounds what a lost event could cost.
 */
export class JobWatch {
  private readonly served: Served;
  private rung = false;
  private wake: (() => void) | undefined;

  private constructor(bus: Bus, jobId: string) {
    this.served = listen(bus, events.jobEvents, () => this.ring(), { subject: events.jobEvents.subject(jobId) });
  }

  static async open(bus: Bus, jobId: string): Promise<JobWatch> {
    const watch = new JobWatch(bus, jobId);
    await bus.flush();
    return watch;
  }

  /** Resolves at the next event since the last call (at once if one came meanwhile), or after `ms`. */
  next(ms: number): Promise<void> {
    if (this.rung) {
      this.rung = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(done, Math.max(0, ms));
      const self = this;
      function done() {
        clearTimeout(timer);
        self.wake = undefined;
        self.rung = false;
        resolve();
      }
      this.wake = done;
    });
  }

  stop(): void {
    this.served.subscription.unsubscribe();
    this.wake?.();
  }

  private ring(): void {
    this.rung = true;
    this.wake?.();
  }
}

/** A lost event costs at most this long before a waiting reader looks again. */
export const RECHECK_MS = 5_000;

/** Waits until the job is final or `deadline` (ms) passes, or `signal` aborts; the job's state at the end. */
export async function waitUntilFinal(bus: Bus, owner: string, jobId: string, deadline: number, signal?: AbortSignal): Promise<JobState> {
  const watch = await JobWatch.open(bus, jobId);
  const abort = () => watch.stop();
  signal?.addEventListener("abort", abort);
  try {
    for (;;) {
      const { state } = await call(bus, subjects.getJob, { owner, jobId });
      const left = deadline - Date.now();
      if (isFinal(state) || left <= 0 || signal?.aborted) return state;
      await watch.next(Math.min(left, RECHECK_MS));
    }
  } finally {
    signal?.removeEventListener("abort", abort);
    watch.stop();
  }
}
