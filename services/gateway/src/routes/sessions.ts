import { Hono } from "hono";
import { upgradeWebSocket } from "hono/bun";
import { limits, MedusaError, parseOrThrow, SessionRequest, SessionRoundBody, SessionSpec, tooDeepMessage, valueNestsDeeper, type SessionEvent } from "@medusa/core";
import { requireAccount, type TokenVerifier } from "../http/auth.ts";
import { jsonBody } from "../http/json-body.ts";
import { keepOpen } from "../http/long-request.ts";
import type { RateLimits } from "../http/rate-limits.ts";
import type { HttpEnv } from "../http/types.ts";
import type { SessionHub } from "../sessions/session-hub.ts";
import { runRound } from "../sessions/session-round.ts";

/**
 * Sessions for iterative work. Mounted at `/v1/sessions`. The WebSocket
 * (`/v1/sessions/{id}/ws`) takes `{round, params, stream?}` frames and sends
 * SessionEvent frames; a bad frame gets an `error` event and the socket stays.
 * `POST /v1/sessions/{id}/rounds` is the same round for plain HTTP clients: a
 * long request answered `{round, partials, ms}` when the round completes.
 */
export function sessionRoutes(deps: { sessions: SessionHub; verifier: TokenVerifier; maxJsonBytes: number; rates: RateLimits }) {
  const { sessions } = deps;
  return new Hono<HttpEnv>()
    .use(requireAccount({ verifier: deps.verifier }))
    .post("/", deps.rates.limit("jobs"), jsonBody({ maxBytes: deps.maxJsonBytes }), async (c) => {
      const session = await sessions.create(c.var.account.accountId, parseOrThrow(SessionSpec, c.var.body));
      return c.json(session.status(), 201);
    })
    .get("/:id", (c) => c.json(sessions.get(c.req.param("id"), c.var.account.accountId).status()))
    .delete("/:id", (c) => {
      const session = sessions.get(c.req.param("id"), c.var.account.accountId);
      session.end("ended by its owner");
      return c.json(session.status());
    })
    .post("/:id/rounds", jsonBody({ maxBytes: deps.maxJsonBytes }), async (c) => {
      const session = sessions.get(c.req.param("id"), c.var.account.accountId);
      const { round, params } = parseOrThrow(SessionRoundBody, c.var.body);
      keepOpen(c);
      return c.json(await runRound(session, round, params, c.req.raw.signal));
    })
    .get(
      "/:id/ws",
      async (c, next) => {
        if (c.req.header("upgrade")?.toLowerCase() !== "websocket") throw new MedusaError("bad_request", "this is a WebSocket: connect with an Upgrade: websocket request");
        await next();
      },
      upgradeWebSocket((c) => {
        // Ownership is checked before the upgrade, so a stranger gets a plain 404.
        const session = sessions.get(c.req.param("id")!, (c.var as HttpEnv["Variables"]).account.accountId);
        let client: ((event: SessionEvent) => void) | undefined;
        return {
          onOpen(_event, ws) {
            client = (event) => ws.send(JSON.stringify(event));
            session.clients.add(client);
            if (session.state === "ready") client({ type: "ready", partitions: session.status().partitions, rounds: session.rounds });
            if (session.final) client({ type: "ended", state: session.state, reason: session.error ?? "the session has ended" });
          },
          onMessage(event, ws) {
            const reply = (e: SessionEvent) => ws.send(JSON.stringify(e));
            let raw: unknown;
            try {
              raw = JSON.parse(typeof event.data === "string" ? event.data : new TextDecoder().decode(event.data as ArrayBuffer));
            } catch {
              return reply({ type: "error", code: "bad_request", message: "frame is not valid JSON" });
            }
            // A round's params go on to every node of the session: no deeper than a request body may be.
            if (valueNestsDeeper(raw, limits.jsonDepth + 1)) return reply({ type: "error", code: "invalid_field", message: tooDeepMessage("frame") });
            const parsed = SessionRequest.safeParse(raw);
            if (!parsed.success) return reply({ type: "error", code: "invalid_field", message: parsed.error.issues.map((i) => `${i.path.join(".") || "frame"}: ${i.message}`).join("; ") });
            const refused = session.request(parsed.data.round, parsed.data.params, parsed.data.stream);
            if (refused) reply({ type: "error", round: parsed.data.round, code: "conflict", message: refused });
          },
          onClose() {
            if (client) session.clients.delete(client);
          },
        };
      }),
    );
}
