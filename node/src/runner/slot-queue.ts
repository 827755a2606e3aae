/**
 * The pool's slots: at most `size` chunks run at once, the rest wait in
 * arrival order. A waiter resolves true when it gets a slot, false when its
 * job was dropped or the queue closed.
 */
export class SlotQueue {
  private active = 0;
  private readonly waiters: Array<{ jobId: string; resolve: (granted: boolean) => void }> = [];

  constructor(private readonly size: number) {}

  /** Slots in use. */
  get inUse(): number {
    return this.active;
  }

  acquire(jobId: string): Promise<boolean> {
    if (this.active < this.size) {
      this.active++;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => this.waiters.push({ jobId, resolve }));
  }

  release(): void {
    this.active--;
    const next = this.waiters.shift();
    if (next) {
      this.active++;
      next.resolve(true);
    }
  }

  /** Sends the job's waiters away empty-handed. */
  dropJob(jobId: string): void {
    for (const waiter of this.waiters.filter((w) => w.jobId === jobId)) {
      this.waiters.splice(this.waiters.indexOf(waiter), 1);
      waiter.resolve(false);
    }
  }

  close(): void {
    for (const waiter of this.waiters.splice(0)) waiter.resolve(false);
  }
}
