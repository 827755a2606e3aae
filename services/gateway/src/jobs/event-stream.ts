import { call, errorFields, events, listen, subjects, type Bus, type JobEvent, type Served } from "@medusa/core";
import type { Log } from "../http/types.ts";

/** What a job event socket needs from the WebSocket it writes to. */
export interface EventSocket {
  send(text: string, event: JobEvent): void;
  close(code?: number, reason?: string): void;
}

const FINAL_TYPES = new Set<JobEvent["type"]>(["done", "failed", "cancelled"]);

/**
 * One client's view of a job's events: stored events after `from`, then
 * live ones, each exactly once and in id order. The live subscription opens
 * before the stored events are read, so nothing published in between is
 * missed; whatever arrives twice is dropped by id.
 */
export class JobEventStream {
  private subscription: Served | undefined;
  private buffer: JobEvent[] | null = [];
  private lastId: number;
  private closed = false;

  constructor(
    private readonly deps: { bus: Bus; log: Log },
    private readonly job: { owner: string; jobId: string; from: number; finalOnConnect: boolean },
    private readonly socket: EventSocket,
  ) {
    this.lastId = job.from;
  }

  async start(): Promise<void> {
    const { bus } = this.deps;
    this.subscription = listen(
      bus,
      events.jobEvent,
      (event) => {
        if (this.buffer) this.buffer.push(event);
        else this.deliver(event);
      },
      {
        subject: events.jobEvent.subject(this.job.jobId),
        onError: (err) => this.deps.log.warn("bad job event skipped", { jobId: this.job.jobId, ...errorFields(err) }),
      },
    );
    try {
      await bus.flush();
      await this.replayStored();
    } catch (err) {
      this.deps.log.warn("job event replay failed", { jobId: this.job.jobId, ...errorFields(err) });
      return this.close(1011, "could not read the job's events; reconnect with ?from=" + this.lastId);
    }
    const buffered = this.buffer ?? [];
    this.buffer = null;
    for (const event of buffered) this.deliver(event);
    if (this.job.finalOnConnect) this.close(1000, "job finished");
  }

  /** The socket went away (or the gateway is stopping). */
  stop(): void {
    this.closed = true;
    this.subscription?.subscription.unsubscribe();
  }

  close(code: number, reason: string): void {
    if (this.closed) return;
    this.stop();
    this.socket.close(code, reason);
  }

  private async replayStored(): Promise<void> {
    for (;;) {
      const { events: stored } = await call(this.deps.bus, subjects.jobEvents, { owner: this.job.owner, jobId: this.job.jobId, after: this.lastId });
      const before = this.lastId;
      for (const event of stored) this.deliver(event);
      if (this.closed || this.lastId === before) return;
    }
  }

  private deliver(event: JobEvent): void {
    if (this.closed || event.id <= this.lastId) return;
    this.lastId = event.id;
    this.socket.send(JSON.stringify(event), event);
    if (FINAL_TYPES.has(event.type)) this.close(1000, `job ${event.type}`);
  }
}
