/**
 * One operation per key at a time, in arrival order. A preempting acquire
 * first signals the holder to stop (a resumed transfer must not wait for the
 * dropped one it replaces to time out).
 */
export class KeyedLock {
  private readonly held = new Map<string, { done: Promise<void>; stop: AbortController }>();

  async acquire(key: string, opts: { preempt: boolean }): Promise<{ release: () => void; signal: AbortSignal }> {
    for (;;) {
      const current = this.held.get(key);
      if (!current) break;
      if (opts.preempt) current.stop.abort();
      await current.done;
    }
    let release!: () => void;
    const done = new Promise<void>((resolve) => (release = resolve));
    const stop = new AbortController();
    this.held.set(key, { done, stop });
    return {
      signal: stop.signal,
      release: () => {
        this.held.delete(key);
        release();
      },
    };
  }
}
