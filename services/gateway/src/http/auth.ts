import type { Context, MiddlewareHandler } from "hono";
import { call, MedusaError, sha256Hex, subjects, type Bus, type Principal } from "@medusa/core";
import type { AccountPrincipal, HttpEnv } from "./types.ts";

/**
 * Resolves bearer credentials (API keys, login tokens, node tokens) through
 * the credits service. Positive answers are kept for a short while, and never
 * past the token's own expiry, keyed by the token's hash so no secret sits in
 * memory longer than the request.
 */
export class TokenVerifier {
  private readonly cache = new Map<string, { principal: Principal; until: number }>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(
    private readonly bus: Bus,
    options: { ttlMs?: number; maxEntries?: number; now?: () => number } = {},
  ) {
    this.ttlMs = options.ttlMs ?? 30_000;
    this.maxEntries = options.maxEntries ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  async verify(token: string): Promise<Principal | null> {
    const key = sha256Hex(token);
    const hit = this.cache.get(key);
    if (hit && hit.until > this.now()) return hit.principal;
    this.cache.delete(key);
    const { principal, expiresAt } = await call(this.bus, subjects.verifyToken, { token });
    if (principal) this.remember(key, principal, expiresAt ?? null);
    return principal;
  }

  private remember(key: string, principal: Principal, expiresAt: number | null) {
    // Maps keep insertion order, so the first key is the oldest entry.
    if (this.cache.size >= this.maxEntries) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(key, { principal, until: Math.min(this.now() + this.ttlMs, expiresAt ?? Infinity) });
  }
}

/** `Authorization: Bearer <token>`, or `?token=` for WebSockets (browsers cannot set headers on one). */
export function bearerToken(c: Context): string | undefined {
  const header = c.req.header("authorization");
  if (header) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    return match?.[1];
  }
  return c.req.query("token") || undefined;
}

async function principalOf(c: Context, verifier: TokenVerifier): Promise<Principal> {
  const token = bearerToken(c);
  if (!token) throw new MedusaError("unauthorized", "missing credentials: send Authorization: Bearer <apiKey or token>");
  const principal = await verifier.verify(token);
  if (!principal) throw new MedusaError("unauthorized", "invalid or expired credentials");
  return principal;
}

/** Lets through account credentials only (API key or login token); sets `c.var.account`. */
export function requireAccount(options: { verifier: TokenVerifier }): MiddlewareHandler<HttpEnv> {
  return async (c, next) => {
    const principal = await principalOf(c, options.verifier);
    if (principal.kind !== "account") throw new MedusaError("forbidden", "a node token cannot use the consumer API");
    c.set("account", principal);
    await next();
  };
}

/** Lets through node tokens only; sets `c.var.node`. */
export function requireNode(options: { verifier: TokenVerifier }): MiddlewareHandler<HttpEnv> {
  return async (c, next) => {
    const principal = await principalOf(c, options.verifier);
    if (principal.kind !== "node") throw new MedusaError("forbidden", "only a node token may open the node socket");
    c.set("node", principal);
    await next();
  };
}

/**
 * For routes that serve anyone but tell account holders more: the caller's
 * account when they sent credentials, undefined when they sent none. Wrong
 * credentials are still 401 and a node token still 403, never anonymous.
 */
export async function accountIfAny(c: Context, verifier: TokenVerifier): Promise<AccountPrincipal | undefined> {
  if (!bearerToken(c)) return undefined;
  const principal = await principalOf(c, verifier);
  if (principal.kind !== "account") throw new MedusaError("forbidden", "a node token cannot use the consumer API");
  return principal;
}
