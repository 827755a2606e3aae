import { z } from "zod";
import { parseDuration } from "@medusa/core";
import { DEFAULT_RATES, type Rate, type RateLimitConfig } from "./rate-limits.ts";

const show = (r: Rate) => `${r.points}/${r.durationMs / 1000}s`;

/** A rate written as `<count>/<duration>`: `20/1h`, `5/15m`. */
const rateFrom = (fallback: Rate) =>
  z
    .string()
    .default(show(fallback))
    .transform((text, ctx): Rate => {
      const [count, duration] = text.split("/");
      const points = Number(count);
      const durationMs = duration === undefined ? null : parseDuration(duration.trim());
      if (!Number.isInteger(points) || points < 1 || durationMs === null || durationMs < 1000) {
        ctx.addIssue({ code: "custom", message: `"${text}" is not a rate: use <count>/<duration>, e.g. 20/1h or 5/15m (at least 1 per second)` });
        return fallback;
      }
      return { points, durationMs };
    });

/** The rate-limit variables, shared by the gateway and the embedded stack. */
export const rateLimitEnv = () => ({
  /** Sign-ups per address. */
  MEDUSA_RATE_SIGNUPS: rateFrom(DEFAULT_RATES.signups),
  /** Logins per address. */
  MEDUSA_RATE_LOGINS: rateFrom(DEFAULT_RATES.logins),
  /** Failed logins of one account from one address; past it, that pair is refused for the same period. */
  MEDUSA_RATE_LOGIN_FAILURES: rateFrom(DEFAULT_RATES.loginFailures),
  /** Node registrations, per account and per address. */
  MEDUSA_RATE_NODES: rateFrom(DEFAULT_RATES.nodes),
  /** Job and session submissions, per account and per address. */
  MEDUSA_RATE_JOBS: rateFrom(DEFAULT_RATES.jobs),
});

type RateEnv = { [K in keyof ReturnType<typeof rateLimitEnv>]: Rate };

export const ratesFromEnv = (env: RateEnv): RateLimitConfig => ({
  signups: env.MEDUSA_RATE_SIGNUPS,
  logins: env.MEDUSA_RATE_LOGINS,
  loginFailures: env.MEDUSA_RATE_LOGIN_FAILURES,
  nodes: env.MEDUSA_RATE_NODES,
  jobs: env.MEDUSA_RATE_JOBS,
});
