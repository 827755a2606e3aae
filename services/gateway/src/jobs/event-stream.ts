import { call, errorFields, events, listen, subjects, type Bus, type JobEvent, type Served } from "@medusa/core";
import type { Log } from "../http/types.ts";

/** What a job event socket needs from the WebSocket it writes to. */
export interface EventSocket {
  send(text: string, event: JobEvent): void;
  close(code?: number, reason?: string): void;
}

const FINAL_TYPES = new Set<JobEvent["type"]>(["done", "failed", "cancelled"]);

/**
 * How often a quiet stream reads the job's log anyway: the one way to learn
 * of an event whose publisher died between storing and publishing it.
 */
export const EVENT_POLL_MS = 2_000;

/**
 * One client's view of a job's events: every event after `from`, each
 * exactly once and in id order. The job's event log in the chunk store is
 * the order (the transition that makes an event numbers it and appends it
 * in one atomic step); live events on the bus only say "there is more".
 * Several schedulers publish, so live events can arrive out of order: one
 * that follows the last sent id goes out at once, one past a gap waits
 * while the log is read, which fills the gap from the stored copy.
 */
export class JobEventStream {
  private subscription: Served | undefined;
  /** Live events past a gap, by id, until the gap is filled. */
  private readonly ahead = new Map<number, JobEvent>();
  private lastId: number;
  private started = false;
  private reading: Promise<void> | null = null;
  private readAgain = false;
  private poll: ReturnType<typeof setInterval> | undefined;
  private closed = false;

  constructor(
    private readonly deps: { bus: Bus; log: Log; pollMs?: number },
    private readonly job: { owner: string; jobId: string; from: number; finalOnConnect: boolean },
    private readonly socket: EventSocket,
  ) {
    this.lastId = job.from;
  }

  async start(): Promise<void> {
    const { bus } = this.deps;
    // Subscribed before the log is first read, so nothing stored in between goes unnoticed.
    this.subscription = listen(bus, events.jobEvents, (batch) => batch.forEach((event) => this.live(event)), {
      subject: events.jobEvents.subject(this.job.jobId),
      onError: (err) => this.deps.log.warn("bad job event skipped", { jobId: this.job.jobId, ...errorFields(err) }),
    });
    await bus.flush().catch(() => {});
    await this.readLog();
    this.started = true;
    this.drainAhead();
    if (this.closed) return;
    if (this.job.finalOnConnect) return this.close(1000, "job finished");
    this.poll = setInterval(() => void this.readLog(), this.deps.pollMs ?? EVENT_POLL_MS);
  }

  /** The socket went away (or the gateway is stopping). */
  stop(): void {
    this.closed = true;
    clearInterval(this.poll);
    this.subscription?.subscription.unsubscribe();
  }

  close(code: number, reason: string): void {
    if (this.closed) return;
    this.stop();
    this.socket.close(code, reason);
  }

  private live(event: JobEvent): void {
    if (this.closed || event.id <= this.lastId) return;
    if (this.started && !this.reading && event.id === this.lastId + 1) {
      this.send(event);
      this.drainAhead();
      return;
    }
    this.ahead.set(event.id, event);
    if (this.started) void this.readLog();
  }

  /** Reads the log past the last sent id until it has nothing more; one read at a time, another queued if asked meanwhile. */
  private readLog(): Promise<void> {
    if (this.reading) {
      this.readAgain = true;
      return this.reading;
    }
    this.reading = (async () => {
      do {
        this.readAgain = false;
        await this.readOnce();
      } while (this.readAgain && !this.closed);
    })().finally(() => {
      this.reading = null;
      if (this.started) this.drainAhead();
    });
    return this.reading;
  }

  private async readOnce(): Promise<void> {
    try {
      for (;;) {
        const { events: stored } = await call(this.deps.bus, subjects.jobEvents, { owner: this.job.owner, jobId: this.job.jobId, after: this.lastId });
        // The log is the order: past a trimmed stretch it may skip ids, never reorder them.
        for (const event of stored) if (!this.closed && event.id > this.lastId) this.send(event);
        if (this.closed || stored.length === 0) return;
      }
    } catch (err) {
      this.deps.log.warn("job event read failed", { jobId: this.job.jobId, ...errorFields(err) });
      if (!this.started) this.close(1011, "could not read the job's events; reconnect with ?from=" + this.lastId);
    }
  }

  /** Sends the live events that now follow on, and forgets those the log already sent. */
  private drainAhead(): void {
    for (let next = this.ahead.get(this.lastId + 1); next && !this.closed; next = this.ahead.get(this.lastId + 1)) this.send(next);
    for (const id of this.ahead.keys()) if (id <= this.lastId) this.ahead.delete(id);
  }

  private send(event: JobEvent): void {
    this.ahead.delete(event.id);
    this.lastId = event.id;
    this.socket.send(JSON.stringify(event), event);
    if (FINAL_TYPES.has(event.type)) this.close(1000, `job ${event.type}`);
  }
}
