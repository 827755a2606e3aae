/**
 * Slows down guessing: every failed login from an address within `windowMs`
 * counts; past `freeFailures` each answer is delayed (doubling up to
 * `maxDelayMs`), and at `lockoutAfter` the address may not log in at all for
 * `lockoutMs`, right password or not. Time is passed in, so tests drive it.
 */
export interface LoginPolicy {
  freeFailures: number;
  maxDelayMs: number;
  lockoutAfter: number;
  lockoutMs: number;
  windowMs: number;
}

export const DEFAULT_LOGIN_POLICY: LoginPolicy = { freeFailures: 3, maxDelayMs: 8_000, lockoutAfter: 10, lockoutMs: 15 * 60_000, windowMs: 15 * 60_000 };

interface Record {
  failures: number;
  since: number;
  lockedUntil: number;
}

/** Addresses remembered at most; past it the oldest are forgotten (a flood of addresses cannot fill memory). */
const MAX_ADDRESSES = 100_000;

export class LoginGuard {
  private readonly seen = new Map<string, Record>();

  constructor(private readonly policy: LoginPolicy = DEFAULT_LOGIN_POLICY) {}

  /** Milliseconds until `address` may try again (0: it may now). */
  lockedFor(address: string, now: number): number {
    const record = this.current(address, now);
    return record && record.lockedUntil > now ? record.lockedUntil - now : 0;
  }

  /** Counts a failure; says how long to hold the answer back and whether the address is now locked out. */
  failed(address: string, now: number): { failures: number; delayMs: number; lockedForMs: number } {
    const record = this.current(address, now) ?? { failures: 0, since: now, lockedUntil: 0 };
    record.failures++;
    this.seen.delete(address);
    this.seen.set(address, record);
    if (this.seen.size > MAX_ADDRESSES) this.seen.delete(this.seen.keys().next().value!);
    const { freeFailures, maxDelayMs, lockoutAfter, lockoutMs } = this.policy;
    if (record.failures >= lockoutAfter) record.lockedUntil = now + lockoutMs;
    const delayMs = record.failures <= freeFailures ? 0 : Math.min(maxDelayMs, 500 * 2 ** (record.failures - freeFailures - 1));
    return { failures: record.failures, delayMs, lockedForMs: Math.max(0, record.lockedUntil - now) };
  }

  private current(address: string, now: number): Record | undefined {
    const record = this.seen.get(address);
    if (record && record.lockedUntil <= now && now - record.since > this.policy.windowMs) {
      this.seen.delete(address);
      return undefined;
    }
    return record;
  }
}
