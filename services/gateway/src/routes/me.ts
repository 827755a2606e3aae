import { Hono } from "hono";
import { call, LedgerQuery, parseOrThrow, subjects, type AccountFiles, type Bus, type Me } from "@medusa/core";
import { requireAccount, type TokenVerifier } from "../http/auth.ts";
import type { HttpEnv } from "../http/types.ts";

/** The caller's own account (with what its files take of its storage quota) and ledger. Mounted at `/v1/me`. */
export function meRoutes(deps: { bus: Bus; verifier: TokenVerifier; files: AccountFiles }) {
  return new Hono<HttpEnv>()
    .use(requireAccount({ verifier: deps.verifier }))
    .get("/", async (c) => {
      const accountId = c.var.account.accountId;
      const [account, storage] = await Promise.all([call(deps.bus, subjects.getAccount, { accountId }), deps.files.usage(accountId)]);
      return c.json<Me>({ ...account, storage });
    })
    .get("/ledger", async (c) => {
      const query = parseOrThrow(LedgerQuery, c.req.query(), "query");
      return c.json(await call(deps.bus, subjects.ledgerPage, { accountId: c.var.account.accountId, ...query }));
    });
}
