import { Hono } from "hono";
import { websocket } from "hono/bun";
import type { BlobStore, Bus, SettlementQueue } from "@medusa/core";
import { TokenVerifier } from "./http/auth.ts";
import { errorHandler, notFoundHandler } from "./http/error-handler.ts";
import type { HttpEnv, Log } from "./http/types.ts";
import type { JobEventStream } from "./jobs/event-stream.ts";
import { NodeHub } from "./nodes/hub.ts";
import type { PackageMirror } from "./packages/package-mirror.ts";
import { PackagePinner } from "./packages/package-pinner.ts";
import { accountRoutes } from "./routes/accounts.ts";
import { fileRoutes } from "./routes/files.ts";
import { jobRoutes } from "./routes/jobs.ts";
import { meRoutes } from "./routes/me.ts";
import { nodeRoutes } from "./routes/nodes.ts";
import { packageRoutes } from "./routes/packages.ts";
import { sessionRoutes } from "./routes/sessions.ts";
import { SessionHub } from "./sessions/session-hub.ts";
import { siteRoutes } from "./site/site.ts";

export interface GatewayDeps {
  bus: Bus;
  blobs: BlobStore;
  /** Where sessions' payouts and refunds go (jobs settle through the scheduler). */
  settlements: SettlementQueue;
  /** Credits per partition per session round when a session names none (default 1). */
  pricePerRound?: number;
  /** Cap on JSON request bodies (default 16 MiB). */
  maxJsonBytes?: number;
  /** Cap on one uploaded file (default 1 GiB). */
  maxFileBytes?: number;
  log?: Log;
  /** How often hungry nodes retry leasing without a `workAvailable` event (default 1 s). */
  nodeTickMs?: number;
  /** The Pyodide package mirror jobs may name packages from (MEDUSA_PYODIDE_PACKAGES_DIR); none without it. */
  packageMirror?: PackageMirror;
  /** Cap on one uploaded wheel a job names (default 64 MiB). */
  maxWheelBytes?: number;
}

/**
 * The public API and both WebSockets. Holds no state of its own beyond open
 * sockets and short caches: everything else is a bus call or a blob. Serve with
 * `Bun.serve({ fetch: app.fetch, websocket })`.
 */
export function createGateway(deps: GatewayDeps) {
  const { bus, blobs } = deps;
  const log = deps.log ?? ((message: string) => console.log(`[gateway] ${message}`));
  const maxJsonBytes = deps.maxJsonBytes ?? 16 * 1024 * 1024;
  const maxFileBytes = deps.maxFileBytes ?? 1024 * 1024 * 1024;
  const verifier = new TokenVerifier(bus);
  const hub = new NodeHub({ bus, blobs, log, tickMs: deps.nodeTickMs });
  const streams = new Set<JobEventStream>();
  const packages = new PackagePinner({ blobs, mirror: deps.packageMirror, maxWheelBytes: deps.maxWheelBytes });
  const sessions = new SessionHub({ bus, blobs, log, settlements: deps.settlements, nodes: hub, pricePerRound: deps.pricePerRound, packages });
  hub.attachSessions(sessions);

  const app = new Hono<HttpEnv>()
    .get("/healthz", (c) => c.json({ ok: true }))
    .route("/v1", accountRoutes({ bus, maxJsonBytes }))
    .route("/v1/me", meRoutes({ bus, verifier }))
    .route("/v1/files", fileRoutes({ blobs, verifier, maxFileBytes }))
    .route("/v1/jobs", jobRoutes({ bus, blobs, verifier, maxJsonBytes, log, streams, packages }))
    .route("/v1/sessions", sessionRoutes({ sessions, verifier, maxJsonBytes }))
    .route("/v1/nodes", nodeRoutes({ bus, hub, verifier, maxJsonBytes }))
    .route("/v1/packages", packageRoutes({ blobs, mirror: deps.packageMirror, verifier }))
    .route("/", siteRoutes());
  app.onError(errorHandler({ log }));
  app.notFound(notFoundHandler);

  return {
    app,
    websocket,
    hub,
    /** Closes every socket (nodes' chunks go back to the queue). The bus is the caller's to drain. */
    async close(): Promise<void> {
      for (const s of streams) s.close(1001, "gateway is stopping");
      streams.clear();
      await sessions.close();
      await hub.close();
    },
  };
}

export type Gateway = ReturnType<typeof createGateway>;
