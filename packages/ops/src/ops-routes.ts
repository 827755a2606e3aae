import { Hono } from "hono";
import type { Registry } from "prom-client";
import type { Readiness } from "./readiness.ts";

/**
 * The operator's three routes: `/metrics` (Prometheus text), `/healthz` (the
 * process is alive and its event loop turns) and `/readyz` (200 only when
 * every dependency answers and the process is not draining; 503 says which
 * one does not, by name, never with internal text).
 */
export function opsRoutes(registry: Registry, readiness: Readiness): Hono {
  return new Hono()
    .get("/metrics", async (c) => c.body(await registry.metrics(), 200, { "content-type": registry.contentType }))
    .get("/healthz", (c) => c.json({ ok: true }))
    .get("/readyz", async (c) => {
      const report = await readiness.report();
      const failing = Object.entries(report.checks).filter(([, outcome]) => outcome !== "ok").map(([name]) => name);
      return c.json({ ready: report.ready, draining: report.draining, failing }, report.ready ? 200 : 503);
    });
}

const OPS_PATHS = new Set(["/metrics", "/healthz", "/readyz"]);

/** For a server that has its own app (the gateway): answers the ops paths, and hands every other request on. */
export function withOpsRoutes<S>(ops: Hono, fetch: (req: Request, server: S) => Response | Promise<Response | undefined> | undefined) {
  return (req: Request, server: S) => (OPS_PATHS.has(new URL(req.url).pathname) ? ops.fetch(req) : fetch(req, server));
}

/**
 * A service without HTTP of its own gets a small listener for the ops routes
 * (MEDUSA_METRICS_PORT; 0 picks a free port).
 */
export function serveOps(ops: Hono, opts: { port: number; hostname: string }) {
  const server = Bun.serve({ port: opts.port, hostname: opts.hostname, fetch: ops.fetch });
  return { port: server.port ?? opts.port, url: `http://${opts.hostname}:${server.port}`, stop: () => server.stop(true) };
}

/** The listener of a service started on its own, when MEDUSA_METRICS_PORT is set; its address goes to the start-up log. */
export function opsListener(service: string, env: { MEDUSA_METRICS_PORT?: number; MEDUSA_METRICS_HOST: string }, registry: Registry, readiness: Readiness): { stop(): void } {
  if (env.MEDUSA_METRICS_PORT === undefined) return { stop() {} };
  const listener = serveOps(opsRoutes(registry, readiness), { port: env.MEDUSA_METRICS_PORT, hostname: env.MEDUSA_METRICS_HOST });
  console.log(`[${service}] metrics, health and readiness on ${listener.url} (/metrics, /healthz, /readyz)`);
  return listener;
}
