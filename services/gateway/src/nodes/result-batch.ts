import { call, subjects, type Bus } from "@medusa/core";

/** One result as the scheduler takes it: the chunk, the lease token and the results' JSON text. */
export interface PendingResult {
  jobId: string;
  index: number;
  token: string;
  results: string;
}

export type ResultReply = { outcome: "accepted" | "pending" | "rejected" | "stale" | "job_final" } | { refused: string };

/** Most results per request: the subject's own limit. */
const MAX_RESULTS = 1_000;
/**
 * Most result text per request, in characters: even at three UTF-8 bytes
 * each, well under the bus message NATS carries by default (1 MiB), so only
 * a result alone in its request can be too large for the bus.
 */
const MAX_CHARS = 200_000;

/**
 * One node's results on their way to the scheduler, many to a request: a
 * node reports the chunks of one runner call back to back, and a request
 * each was most of what a tiny chunk cost. One request is in flight at a
 * time; results that arrive meanwhile wait for it and go together in the
 * next. A lone result waits only for the end of the current turn of the
 * event loop, so a one-chunk job pays no batching delay.
 */
export class ResultBatch {
  private queue: Array<{ result: PendingResult; chars: number; resolve(r: ResultReply): void; reject(err: unknown): void }> = [];
  private sending = false;
  private scheduled = false;

  constructor(
    private readonly bus: Bus,
    private readonly nodeId: string,
  ) {}

  /** Resolves with this result's own outcome (or why it was refused); rejects when its request failed. */
  add(result: PendingResult): Promise<ResultReply> {
    return new Promise((resolve, reject) => {
      this.queue.push({ result, chars: result.results.length, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.sending || this.scheduled || this.queue.length === 0) return;
    this.scheduled = true;
    // After the frames already read from the socket have been handled: they join this request.
    setImmediate(() => {
      this.scheduled = false;
      void this.send();
    });
  }

  private async send(): Promise<void> {
    if (this.sending) return;
    this.sending = true;
    const batch = this.take();
    try {
      const { completed } = await call(this.bus, subjects.completeChunks, { nodeId: this.nodeId, results: batch.map((p) => p.result) });
      batch.forEach((p, i) => (completed[i] ? p.resolve(completed[i]) : p.reject(new Error(`the scheduler answered ${completed.length} of ${batch.length} results`))));
    } catch (err) {
      for (const p of batch) p.reject(err);
    } finally {
      this.sending = false;
      this.schedule();
    }
  }

  /** The front of the queue, up to the count and size limits (always at least one). */
  private take(): typeof this.queue {
    let chars = 0;
    let n = 0;
    while (n < this.queue.length && n < MAX_RESULTS) {
      chars += this.queue[n]!.chars;
      if (n > 0 && chars > MAX_CHARS) break;
      n++;
    }
    return this.queue.splice(0, n);
  }
}
