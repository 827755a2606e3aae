import { Hono } from "hono";
import { upgradeWebSocket } from "hono/bun";
import { limits, MedusaError, parseOrThrow, SessionRequest, SessionRoundBody, SessionSpec, tooDeepMessage, valueNestsDeeper, type Bus, type SessionEvent } from "@medusa/core";
import { requireAccount, type TokenVerifier } from "../http/auth.ts";
import { jsonBody } from "../http/json-body.ts";
import { keepOpen } from "../http/long-request.ts";
import type { RateLimits } from "../http/rate-limits.ts";
import type { HttpEnv } from "../http/types.ts";
import { SessionAccess } from "../sessions/session-access.ts";
import type { SessionHub } from "../sessions/session-hub.ts";
import { runRound } from "../sessions/session-round.ts";

/**
 * Sessions for iterative work, on any gateway (the one hosting the session
 * runs its rounds; others pass theirs on). Mounted at `/v1/sessions`. The
 * WebSocket (`/v1/sessions/{id}/ws`) takes `{round, params, stream?}` frames
 * and sends SessionEvent frames; a bad frame gets an `error` event and the
 * socket stays. `POST /v1/sessions/{id}/rounds` is the same round for plain
 * HTTP clients: a long request answered `{round, partials, ms}` when the
 * round completes (again, without running it twice, for the last round).
 */
export function sessionRoutes(deps: { bus: Bus; sessions: SessionHub; verifier: TokenVerifier; maxJsonBytes: number; rates: RateLimits }) {
  const { sessions } = deps;
  const access = new SessionAccess(deps.bus, sessions);
  return new Hono<HttpEnv>()
    .use(requireAccount({ verifier: deps.verifier }))
    .post("/", deps.rates.limit("jobs"), jsonBody({ maxBytes: deps.maxJsonBytes }), async (c) => c.json(await sessions.create(c.var.account.accountId, parseOrThrow(SessionSpec, c.var.body)), 201))
    .get("/:id", async (c) => c.json(await access.status(c.req.param("id"), c.var.account.accountId)))
    .delete("/:id", async (c) => c.json(await access.end(c.req.param("id"), c.var.account.accountId, "ended by its owner")))
    .post("/:id/rounds", jsonBody({ maxBytes: deps.maxJsonBytes }), async (c) => {
      const channel = access.channel(c.req.param("id"), c.var.account.accountId);
      await channel.record();
      const { round, params } = parseOrThrow(SessionRoundBody, c.var.body);
      keepOpen(c);
      return c.json(await runRound(channel, round, params, c.req.raw.signal));
    })
    .get(
      "/:id/ws",
      async (c, next) => {
        if (c.req.header("upgrade")?.toLowerCase() !== "websocket") throw new MedusaError("bad_request", "this is a WebSocket: connect with an Upgrade: websocket request");
        // Ownership is checked before the upgrade, so a stranger gets a plain 404.
        await access.record(c.req.param("id"), c.var.account.accountId);
        await next();
      },
      upgradeWebSocket((c) => {
        const id = c.req.param("id")!;
        const owner = (c.var as HttpEnv["Variables"]).account.accountId;
        let stop: (() => void) | undefined;
        const abandoned = new AbortController();
        return {
          async onOpen(_event, ws) {
            const send = (event: SessionEvent) => ws.send(JSON.stringify(event));
            stop = sessions.clients.watch(id, send);
            const status = await access.status(id, owner).catch(() => null);
            if (status?.state === "ready") send({ type: "ready", partitions: status.partitions, rounds: status.rounds });
            if (status?.state === "ended" || status?.state === "failed") send({ type: "ended", state: status.state, reason: status.error ?? "the session has ended" });
          },
          async onMessage(event, ws) {
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
            const { round, params, stream } = parsed.data;
            try {
              const { refused, host } = await access.send(id, owner, round, params, stream);
              if (refused) return reply({ type: "error", round, code: "conflict", message: refused });
              // Hosted here, the round dies with this socket if this gateway does; hosted elsewhere, it is
              // followed until answered: if its host dies first, the round goes again to the next one.
              if (host === sessions.gatewayId) return;
              let heard = false;
              const unheard = sessions.clients.watch(id, (e) => void (e.type === "round" && e.round === round && (heard = true)));
              const result = await runRound(access.channel(id, owner), round, params, abandoned.signal, { stream, sentTo: host }).catch(() => null);
              unheard();
              if (result && !heard) reply({ type: "round", ...result });
            } catch (err) {
              const e = err instanceof MedusaError ? err : new MedusaError("unavailable", "the round could not be sent; try again");
              reply({ type: "error", round, code: e.code, message: e.message });
            }
          },
          onClose() {
            stop?.();
            abandoned.abort();
          },
        };
      }),
    );
}
