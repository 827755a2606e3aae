import type { Context, MiddlewareHandler } from "hono";
import { matchedRoutes } from "hono/route";
import { newRequestId, withRequestId } from "@medusa/core";
import type { HttpEnv, Log } from "./types.ts";

/**
 * Names each request (`c.var.requestId`, the `x-request-id` header, and every
 * bus call it makes) and logs one line when it ends: method, route pattern
 * (never the raw path, which holds ids and file names), status, duration and
 * who asked.
 */
export function requestLog(options: { log: Log }): MiddlewareHandler<HttpEnv> {
  return async (c, next) => {
    const started = performance.now();
    const requestId = newRequestId();
    c.set("requestId", requestId);
    await withRequestId(requestId, next);
    try {
      c.res.headers.set("x-request-id", requestId);
    } catch {
      // A WebSocket upgrade's response is immutable; its log line still names the id.
    }
    const status = c.res.status;
    const fields = {
      requestId,
      method: c.req.method,
      route: routeOf(c),
      status,
      ms: Math.round(performance.now() - started),
      ...(c.var.account ? { accountId: c.var.account.accountId } : {}),
      ...(c.var.node ? { nodeId: c.var.node.nodeId } : {}),
    };
    options.log[status >= 500 ? "error" : "info"]("request", fields);
  };
}

/** The pattern of the handler that answered (`/v1/jobs/:id`); middleware is registered for every method. */
function routeOf(c: Context): string {
  return matchedRoutes(c).filter((r) => r.method !== "ALL").at(-1)?.path ?? "(no route)";
}
