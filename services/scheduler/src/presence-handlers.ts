import { errorMessage, serve, subjects, type PresenceStore, type Served } from "@medusa/core";
import type { SchedulerContext } from "./scheduler-context.ts";

/**
 * Node presence for every gateway (see core's presence.ts): heartbeats,
 * sockets that closed, and lookups go to the shared presence store. Every
 * `sweepMs`, nodes whose gateway stopped heartbeating for `ttlMs` (it died)
 * have their chunks handed back at once rather than at lease expiry.
 */
export function servePresence(ctx: SchedulerContext, presence: PresenceStore, opts: { ttlMs: number; sweepMs: number }): { served: Served[]; stop(): void } {
  const { bus, store, now, queue, onError, log } = ctx;
  const served = [
    serve(bus, subjects.presenceHeartbeat, async ({ nodes, url }) => {
      await presence.heartbeat(nodes, now() + opts.ttlMs, url);
      return { gateways: await presence.gatewayUrls(now()) };
    }, { queue, onError }),
    serve(bus, subjects.presenceLeave, async ({ nodeId, connection }) => {
      await presence.leave(nodeId, connection);
      return { ok: true as const };
    }, { queue, onError }),
    serve(bus, subjects.nodePresence, async ({ nodeIds }) => ({ presence: await presence.get(nodeIds, now()) }), { queue, onError }),
  ];
  const timer = setInterval(async () => {
    try {
      for (const gone of await presence.expire(now(), 1000)) {
        const t = await store.releaseNode(gone.nodeId, now());
        ctx.publish(t);
        log.info(`node ${gone.nodeId} went silent with its gateway ${gone.gateway}: ${t.requeued} chunk(s) put back`);
      }
    } catch (err) {
      log.error(`presence sweep failed: ${errorMessage(err)}`);
    }
  }, opts.sweepMs);
  return { served, stop: () => clearInterval(timer) };
}
