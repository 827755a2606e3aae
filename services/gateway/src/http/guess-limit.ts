import type { Context, MiddlewareHandler } from "hono";
import { rateLimiter } from "hono-rate-limiter";
import { MedusaError } from "@medusa/core";
import { peerAddress } from "./network-origin.ts";
import type { HttpEnv } from "./types.ts";

/**
 * Caps failed guesses at a public secret-taking endpoint (node activation):
 * per client address and, against guessers with many addresses, for the
 * whole gateway. Successful calls do not count. hono-rate-limiter keeps the
 * counts (a small, maintained Hono middleware with an in-memory store); each
 * gateway replica counts on its own, which multiplies the budget by the
 * number of replicas and nothing worse.
 *
 * The client is the TCP peer: behind a reverse proxy every caller shares the
 * proxy's address, so the per-client cap becomes one more global cap (safe,
 * and the README says so). IPv6 clients count per /64, since one host
 * usually holds a whole one.
 */
export interface GuessLimitOptions {
  windowMs: number;
  perClient: number;
  total: number;
}

export function clientKey(c: Context): string {
  const address = peerAddress(c);
  if (!address.includes(":") || address.startsWith("::ffff:")) return address.replace(/^::ffff:/, "");
  const groups = address.split("::")[0]!.split(":");
  return `${groups.slice(0, 4).join(":")}::/64`;
}

export function guessLimit(options: GuessLimitOptions): MiddlewareHandler<HttpEnv> {
  const refuse = (scope: string) => () => {
    throw new MedusaError("rate_limited", `too many wrong codes ${scope}; wait ${Math.ceil(options.windowMs / 60_000)} minutes and try again`);
  };
  const common = { windowMs: options.windowMs, standardHeaders: "draft-6" as const, skipSuccessfulRequests: true };
  const total = rateLimiter<HttpEnv>({ ...common, limit: options.total, keyGenerator: () => "all", handler: refuse("at this gateway") });
  const perClient = rateLimiter<HttpEnv>({ ...common, limit: options.perClient, keyGenerator: clientKey, handler: refuse("from your address") });
  return async (c, next) => {
    await total(c, () => perClient(c, next) as Promise<void>);
  };
}
