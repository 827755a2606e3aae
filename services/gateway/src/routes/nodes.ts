import { Hono } from "hono";
import { upgradeWebSocket } from "hono/bun";
import { z } from "zod";
import { ActivateNodeBody, call, errorFields, MedusaError, notFound, parseOrThrow, RegisterNodeBody, subjects, type Bus, type NodeTotals } from "@medusa/core";
import { guessLimit, type GuessLimitOptions } from "../http/guess-limit.ts";
import { requireAccount, requireNode, type TokenVerifier } from "../http/auth.ts";
import { jsonBody } from "../http/json-body.ts";
import { networkOrigin, peerAddress } from "../http/network-origin.ts";
import type { RateLimits } from "../http/rate-limits.ts";
import type { HttpEnv, NodePrincipal } from "../http/types.ts";
import type { NodeHub } from "../nodes/hub.ts";
import type { ItemBytes } from "../nodes/item-bytes.ts";
import type { NodeConnection } from "../nodes/node-connection.ts";

/** Failed activations allowed per 10 minutes: per client address, and for the whole gateway. */
export const ACTIVATION_GUESSES: GuessLimitOptions = { windowMs: 10 * 60_000, perClient: 10, total: 600 };

/**
 * Volunteers' nodes: registering one (directly, or through a one-time
 * activation code the node itself exchanges for its token), listing one's
 * own (with live state from the shared presence, whichever gateway holds each), the node WebSocket
 * itself, and the bytes of the binary items of chunks a node holds. Mounted
 * at `/v1/nodes`.
 */
const ItemPath = z.object({ jobId: z.string().min(1).max(200), index: z.coerce.number().int().min(0), item: z.coerce.number().int().min(0) });

export function nodeRoutes(deps: { bus: Bus; hub: NodeHub; items: ItemBytes; verifier: TokenVerifier; maxJsonBytes: number; rates: RateLimits; activationGuesses?: GuessLimitOptions }) {
  const { bus, hub } = deps;
  const account = requireAccount({ verifier: deps.verifier });
  const registrations = deps.rates.limit("nodes");
  return new Hono<HttpEnv>()
    .post("/", account, registrations, jsonBody({ maxBytes: deps.maxJsonBytes }), async (c) => {
      const { name } = parseOrThrow(RegisterNodeBody, c.var.body);
      return c.json(await call(bus, subjects.registerNode, { ownerId: c.var.account.accountId, name }), 201);
    })
    .post("/activation-codes", account, registrations, jsonBody({ maxBytes: deps.maxJsonBytes }), async (c) => {
      const { name } = parseOrThrow(RegisterNodeBody, c.var.body);
      return c.json(await call(bus, subjects.createNodeActivation, { ownerId: c.var.account.accountId, name }), 201);
    })
    // No account: the node has only the code. Wrong guesses are capped.
    .post("/activate", guessLimit(deps.activationGuesses ?? ACTIVATION_GUESSES), jsonBody({ maxBytes: 4096 }), async (c) => {
      const { code } = parseOrThrow(ActivateNodeBody, c.var.body);
      return c.json(await call(bus, subjects.activateNode, { code }), 201);
    })
    .get("/", account, async (c) => {
      const { nodes } = await call(bus, subjects.listNodes, { ownerId: c.var.account.accountId });
      // The validated record lives with the scheduler; without it the list still shows.
      const { reputations } = await call(bus, subjects.nodeReputations, { nodeIds: nodes.map((n) => n.nodeId) }).catch(() => ({ reputations: {} as Record<string, never> }));
      const statuses = await hub.statuses(nodes.map((n) => n.nodeId));
      return c.json({
        nodes: nodes.map((n) => {
          const known = { ...n, ...(reputations[n.nodeId] ? { reputation: reputations[n.nodeId] } : {}) };
          const live = statuses[n.nodeId];
          if (!live) return { ...known, state: "offline" as const };
          return { ...known, state: live.state, sandbox: live.sandbox, session: { since: live.since, chunksDone: live.chunksDone } };
        }),
      });
    })
    // The calling node's own totals (its local UI shows the credits it earned); nothing of its owner's other nodes.
    .get("/me", requireNode({ verifier: deps.verifier }), async (c) => {
      const { nodeId, ownerId } = c.var.node;
      const mine = (await call(bus, subjects.listNodes, { ownerId })).nodes.find((n) => n.nodeId === nodeId);
      if (!mine) throw notFound(`node ${nodeId}`);
      return c.json<NodeTotals>({ nodeId, name: mine.name, chunksDone: mine.chunksDone, creditsEarned: mine.creditsEarned, createdAt: mine.createdAt });
    })
    // A binary item's bytes, for the node holding the chunk's lease (see nodes/item-bytes.ts).
    .get("/chunks/:jobId/:index/items/:item", requireNode({ verifier: deps.verifier }), async (c) => {
      const { jobId, index, item } = parseOrThrow(ItemPath, c.req.param(), "path");
      const token = c.req.header("x-medusa-lease");
      if (!token) throw new MedusaError("invalid_field", "x-medusa-lease: the chunk's lease token is required", { issues: [{ field: "x-medusa-lease", message: "required" }] });
      return deps.items.serve({ nodeId: c.var.node.nodeId, jobId, index, item, token });
    })
    .get(
      "/ws",
      requireNode({ verifier: deps.verifier }),
      async (c, next) => {
        if (c.req.header("upgrade")?.toLowerCase() !== "websocket") throw new MedusaError("bad_request", "this is a WebSocket: connect with an Upgrade: websocket request");
        await next();
      },
      upgradeWebSocket((c) => {
        const principal: NodePrincipal = (c.var as HttpEnv["Variables"]).node;
        const origin = networkOrigin(peerAddress(c));
        let connection: NodeConnection | undefined;
        return {
          onOpen(_event, ws) {
            connection = hub.open(principal, { send: (text) => ws.send(text), close: (code, reason) => ws.close(code, reason) }, origin);
          },
          onMessage(event) {
            connection?.receive(event.data as string | ArrayBuffer).catch((err) => hub.log.warn("a node's frame broke its handler", { nodeId: principal.nodeId, ...errorFields(err) }));
          },
          onClose() {
            if (connection) void hub.closed(connection);
          },
        };
      }),
    );
}
