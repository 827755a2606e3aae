import type { Context, MiddlewareHandler } from "hono";
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from "rate-limiter-flexible";
import { MedusaError } from "@medusa/core";
import { clientKey } from "./guess-limit.ts";
import type { AccountPrincipal, HttpEnv } from "./types.ts";

/** At most `points` in any `durationMs`. */
export interface Rate {
  points: number;
  durationMs: number;
}

/**
 * What one caller may do: sign-ups per address; logins per address; failed
 * logins per account and address, after which that pair is refused for the
 * rest of the period (the back-off); node registrations and job submissions per
 * account and, against one person with many accounts, per address.
 */
export interface RateLimitConfig {
  signups: Rate;
  logins: Rate;
  loginFailures: Rate;
  nodes: Rate;
  jobs: Rate;
}

export const DEFAULT_RATES: RateLimitConfig = {
  signups: { points: 20, durationMs: 3_600_000 },
  logins: { points: 60, durationMs: 60_000 },
  loginFailures: { points: 5, durationMs: 15 * 60_000 },
  nodes: { points: 30, durationMs: 3_600_000 },
  jobs: { points: 600, durationMs: 60_000 },
};

type LimitName = keyof RateLimitConfig;

/** What each limit refuses, in its 429's message. */
const WHAT: Record<LimitName, string> = {
  signups: "sign-ups",
  logins: "logins",
  loginFailures: "failed logins for this account",
  nodes: "node registrations",
  jobs: "job submissions",
};

/**
 * The gateway's rate limits, kept by rate-limiter-flexible (maintained,
 * atomic counters with the same API over memory and Redis): in Redis when
 * the deployment has one, so every gateway replica counts together; in
 * memory in the embedded stack. Should Redis fail, each replica counts in
 * its own memory meanwhile (the library's insurance limiter) rather than
 * refuse everyone.
 *
 * The address is the TCP peer (per /64 for IPv6; see guess-limit.ts).
 */
export class RateLimits {
  private readonly limiters = new Map<LimitName, RateLimiterAbstract>();

  constructor(
    private readonly config: RateLimitConfig = DEFAULT_RATES,
    store: { redis?: unknown; prefix?: string } = {},
  ) {
    for (const name of Object.keys(config) as LimitName[]) {
      const { points, durationMs } = config[name];
      const duration = Math.max(1, Math.ceil(durationMs / 1000));
      const base = { points, duration };
      const memory = new RateLimiterMemory({ ...base, keyPrefix: name });
      this.limiters.set(name, store.redis ? new RateLimiterRedis({ ...base, storeClient: store.redis, keyPrefix: `${store.prefix ?? "medusa"}:rate:${name}`, insuranceLimiter: memory }) : memory);
    }
  }

  /** Counts one against `key`; a 429 naming the wait once the limit is spent. */
  async take(name: LimitName, key: string, scope: string): Promise<void> {
    try {
      await this.limiter(name).consume(key);
    } catch (err) {
      if (err instanceof RateLimiterRes) throw this.refusal(name, scope, err.msBeforeNext);
      throw err;
    }
  }

  /** A 429 while `key` is backed off (too many failures), else nothing. */
  async refuseIfSpent(name: LimitName, key: string, scope: string): Promise<void> {
    const res = await this.limiter(name).get(key);
    if (res && res.consumedPoints >= this.config[name].points) throw this.refusal(name, scope, res.msBeforeNext);
  }

  /** Counts a failure; the caller still gets the failure's own answer this time. */
  async fail(name: LimitName, key: string): Promise<void> {
    await this.limiter(name).consume(key).catch((err) => {
      if (!(err instanceof RateLimiterRes)) throw err;
    });
  }

  async forget(name: LimitName, key: string): Promise<void> {
    await this.limiter(name).delete(key);
  }

  /** Middleware: one of `name` per request, counted per address and, once signed in, per account. */
  limit(name: LimitName): MiddlewareHandler<HttpEnv> {
    return async (c, next) => {
      await this.take(name, `ip:${clientKey(c)}`, "from your address");
      const account = accountOf(c);
      if (account) await this.take(name, `account:${account}`, "for this account");
      await next();
    };
  }

  private limiter(name: LimitName): RateLimiterAbstract {
    return this.limiters.get(name)!;
  }

  private refusal(name: LimitName, scope: string, msBeforeNext: number): MedusaError {
    const { points, durationMs } = this.config[name];
    const retryAfterSeconds = Math.max(1, Math.ceil(msBeforeNext / 1000));
    return new MedusaError("rate_limited", `too many ${WHAT[name]} ${scope} (at most ${points} per ${Math.round(durationMs / 1000)} s): try again in ${retryAfterSeconds} s`, { retryAfterSeconds });
  }
}

/** Set once a route's account check has run; unset before it. */
const accountOf = (c: Context<HttpEnv>): string | undefined => (c.get("account") as AccountPrincipal | undefined)?.accountId;
