import { Hono } from "hono";
import { call, ConfirmQuery, CreateAccountBody, LoginBody, MedusaError, parseOrThrow, subjects, type Bus } from "@medusa/core";
import { clientKey } from "../http/guess-limit.ts";
import { jsonBody } from "../http/json-body.ts";
import type { RateLimits } from "../http/rate-limits.ts";
import type { HttpEnv } from "../http/types.ts";

/**
 * Sign-up, log-in and public pricing: the only consumer routes without
 * credentials, so each is rate-limited per address; failed logins of one
 * account from one address back off (see RateLimits). Mounted at `/v1`.
 */
export function accountRoutes(deps: { bus: Bus; maxJsonBytes: number; rates: RateLimits }) {
  const { rates } = deps;
  const body = jsonBody({ maxBytes: deps.maxJsonBytes });
  return new Hono<HttpEnv>()
    .post("/accounts", rates.limit("signups"), body, async (c) => {
      const created = await call(deps.bus, subjects.createAccount, parseOrThrow(CreateAccountBody, c.var.body));
      return c.json(created, 201);
    })
    // The link in the sign-up email: opened in a browser, so a GET; the token is the whole credential.
    .get("/accounts/confirm", async (c) => {
      const { token } = parseOrThrow(ConfirmQuery, c.req.query(), "query");
      return c.json(await call(deps.bus, subjects.confirmAccount, { token }));
    })
    .post("/auth/login", rates.limit("logins"), body, async (c) => {
      const login = parseOrThrow(LoginBody, c.var.body);
      const pair = `${login.email.toLowerCase()}|${clientKey(c)}`;
      await rates.refuseIfSpent("loginFailures", pair, "from your address");
      try {
        const token = await call(deps.bus, subjects.login, login);
        await rates.forget("loginFailures", pair);
        return c.json(token, 200);
      } catch (err) {
        if (err instanceof MedusaError && err.code === "unauthorized") await rates.fail("loginFailures", pair);
        throw err;
      }
    })
    .get("/pricing", async (c) => {
      const [{ pricePerChunk }, { starterCredits }] = await Promise.all([call(deps.bus, subjects.pricing, {}), call(deps.bus, subjects.starterCredits, {})]);
      return c.json({ pricePerChunk, starterCredits });
    });
}
