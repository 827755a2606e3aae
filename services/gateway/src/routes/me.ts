import { Hono } from "hono";
import { call, subjects, type Bus } from "@medusa/core";
import { requireAccount, type TokenVerifier } from "../http/auth.ts";
import type { GatewayEnv } from "../http/types.ts";

/** The caller's own account. Mounted at `/v1/me`. */
export function meRoutes(deps: { bus: Bus; verifier: TokenVerifier }) {
  return new Hono<GatewayEnv>()
    .use(requireAccount({ verifier: deps.verifier }))
    .get("/", async (c) => c.json(await call(deps.bus, subjects.getAccount, { accountId: c.var.account.accountId })));
}
