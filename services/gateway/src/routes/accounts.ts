import { Hono } from "hono";
import { call, CreateAccountBody, LoginBody, parseOrThrow, subjects, type Bus } from "@medusa/core";
import { jsonBody } from "../http/json-body.ts";
import type { HttpEnv } from "../http/types.ts";

/** Sign-up, log-in and public pricing: the only consumer routes without credentials. Mounted at `/v1`. */
export function accountRoutes(deps: { bus: Bus; maxJsonBytes: number }) {
  const body = jsonBody({ maxBytes: deps.maxJsonBytes });
  return new Hono<HttpEnv>()
    .post("/accounts", body, async (c) => {
      const created = await call(deps.bus, subjects.createAccount, parseOrThrow(CreateAccountBody, c.var.body));
      return c.json(created, 201);
    })
    .post("/auth/login", body, async (c) => {
      const token = await call(deps.bus, subjects.login, parseOrThrow(LoginBody, c.var.body));
      return c.json(token, 200);
    })
    .get("/pricing", async (c) => {
      const [{ pricePerChunk }, { starterCredits }] = await Promise.all([call(deps.bus, subjects.pricing, {}), call(deps.bus, subjects.starterCredits, {})]);
      return c.json({ pricePerChunk, starterCredits });
    });
}
