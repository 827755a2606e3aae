/**
 * Reconnect delays: exponential with "equal jitter" (half fixed, half random),
 * so a gateway restart is not met by every node at the same instant, yet no
 * node hammers it with near-zero delays either.
 */
export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  /** A connection that stayed up this long resets the delay to `initialMs`. */
  stableMs: number;
  random: () => number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 250, maxMs: 30_000, stableMs: 10_000, random: Math.random };

export class Backoff {
  readonly #opts: BackoffOptions;
  #attempt = 0;
  #openedAt: number | null = null;

  constructor(opts: Partial<BackoffOptions> = {}) {
    this.#opts = { ...DEFAULT_BACKOFF, ...opts };
    if (!(this.#opts.initialMs > 0) || this.#opts.maxMs < this.#opts.initialMs) {
      throw new Error(`backoff: need 0 < initialMs <= maxMs (got ${this.#opts.initialMs}, ${this.#opts.maxMs})`);
    }
  }

  opened(now = Date.now()): void {
    this.#openedAt = now;
  }

  /** The delay before the next attempt, after a connection closed or failed to open. */
  next(now = Date.now()): number {
    if (this.#openedAt !== null && now - this.#openedAt >= this.#opts.stableMs) this.#attempt = 0;
    this.#openedAt = null;
    const ceiling = Math.min(this.#opts.maxMs, this.#opts.initialMs * 2 ** this.#attempt);
    if (ceiling < this.#opts.maxMs) this.#attempt++;
    return Math.round(ceiling / 2 + (this.#opts.random() * ceiling) / 2);
  }
}
