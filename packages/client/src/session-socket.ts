import { SessionEvent } from "@medusa/core";

type RoundEvent = Extract<SessionEvent, { type: "round" }>;

/**
 * A session's WebSocket, round by round: `round(params)` sends the next
 * round and resolves with its partials. Every event is also kept in
 * `events` and passed to `onEvent` (partials when streaming, replacements).
 */
export class SessionSocket {
  readonly events: SessionEvent[] = [];
  onEvent: (e: SessionEvent) => void = () => {};
  private readonly ws: WebSocket;
  private next = 1;
  private waiting: { resolve: (e: RoundEvent) => void; reject: (err: Error) => void } | null = null;
  private readyWaiters: Array<() => void> = [];
  private isReady = false;
  private ended: SessionEvent | null = null;

  constructor(url: string, apiKey: string, readonly sessionId: string) {
    this.ws = new WebSocket(`${url.replace(/^http/, "ws")}/v1/sessions/${sessionId}/ws?token=${encodeURIComponent(apiKey)}`);
    this.ws.onmessage = (m) => this.receive(SessionEvent.parse(JSON.parse(String(m.data))));
    this.ws.onclose = () => this.fail(new Error(`session ${sessionId}: socket closed`));
  }

  /** Resolves once every partition is set up (at once if it already was). */
  ready(timeoutMs = 60_000): Promise<void> {
    if (this.isReady) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`session ${this.sessionId} not ready within ${timeoutMs} ms`)), timeoutMs);
      this.readyWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  round(params: unknown, opts: { stream?: boolean } = {}): Promise<RoundEvent> {
    if (this.ended) return Promise.reject(new Error(`session ${this.sessionId} ended: ${JSON.stringify(this.ended)}`));
    if (this.waiting) return Promise.reject(new Error("a round is already running"));
    const round = this.next;
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.send({ round, params, stream: opts.stream ?? false });
    });
  }

  /** Sends any frame, for tests of what the gateway refuses. */
  send(frame: unknown): void {
    this.ws.send(typeof frame === "string" ? frame : JSON.stringify(frame));
  }

  close(): void {
    this.ws.close();
  }

  private receive(e: SessionEvent): void {
    this.events.push(e);
    this.onEvent(e);
    if (e.type === "ready") {
      this.isReady = true;
      this.next = e.rounds + 1;
      for (const w of this.readyWaiters.splice(0)) w();
    } else if (e.type === "round") {
      this.next = e.round + 1;
      const w = this.waiting;
      this.waiting = null;
      w?.resolve(e);
    } else if (e.type === "ended") {
      this.ended = e;
      this.fail(new Error(`session ${this.sessionId} ${e.state}: ${e.reason}`));
    } else if (e.type === "error" && e.round !== undefined && this.waiting) {
      this.fail(new Error(`round ${e.round}: ${e.code}: ${e.message}`));
    }
  }

  private fail(err: Error): void {
    const w = this.waiting;
    this.waiting = null;
    w?.reject(err);
  }
}
