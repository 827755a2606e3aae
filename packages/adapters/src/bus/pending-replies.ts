/**
 * Requests this bus has handed to a subscriber but not yet answered, keyed by
 * reply subject. drain() waits on them so a handler that is still working when
 * shutdown starts (e.g. one started by `serve`, which handles messages
 * concurrently and so outlives its loop) can still send its reply. Keyed by
 * reply subject, not by message: when several subscribers get a copy of one
 * request, the first answer settles it.
 */
export class PendingReplies {
  private readonly waiting = new Set<string>();
  private idle: (() => void)[] = [];

  add(reply: string): void {
    this.waiting.add(reply);
  }

  answered(reply: string): void {
    if (!this.waiting.delete(reply) || this.waiting.size > 0) return;
    const idle = this.idle;
    this.idle = [];
    for (const resolve of idle) resolve();
  }

  get size(): number {
    return this.waiting.size;
  }

  /** Resolves once nothing is pending. */
  settled(): Promise<void> {
    if (this.waiting.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }
}

/** Resolves with `work`, or after `ms` when it takes longer: shutdown must end. */
export async function within(ms: number, work: Promise<unknown>): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
  try {
    await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}
