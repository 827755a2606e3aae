/**
 * A client of a job's events WebSocket that outlives gateways: when its
 * socket drops before the job's final event, it reconnects (to the next
 * gateway in its list, round and round) with `?from=` the last id it got,
 * as the API promises a client may. `ids` is every event id it received, in
 * arrival order, duplicates included, so a test can check "each once, in order".
 */
const FINAL = new Set(["done", "failed", "cancelled"]);

export class EventFollower {
  readonly ids: number[] = [];
  reconnects = 0;
  private lastId = 0;
  private readonly finished = Promise.withResolvers<string>();
  private stopped = false;

  /** `urls`: the gateways' base URLs (http://…), the first tried first. */
  constructor(
    private readonly urls: string[],
    private readonly jobId: string,
    private readonly token: string,
    private readonly retryMs = 300,
  ) {
    this.connect(0);
  }

  /** Resolves with the final event's type. */
  get done(): Promise<string> {
    return this.finished.promise;
  }

  stop(): void {
    this.stopped = true;
  }

  private connect(at: number): void {
    if (this.stopped) return;
    const base = this.urls[at % this.urls.length]!.replace(/^http/, "ws");
    const ws = new WebSocket(`${base}/v1/jobs/${this.jobId}/events?from=${this.lastId}&token=${encodeURIComponent(this.token)}`);
    let final = false;
    ws.onmessage = (m) => {
      const event = JSON.parse(String(m.data)) as { id: number; type: string };
      this.ids.push(event.id);
      this.lastId = Math.max(this.lastId, event.id);
      if (FINAL.has(event.type)) {
        final = true;
        this.finished.resolve(event.type);
      }
    };
    ws.onclose = () => {
      if (final || this.stopped) return;
      this.reconnects++;
      setTimeout(() => this.connect(at + 1), this.retryMs);
    };
  }
}
