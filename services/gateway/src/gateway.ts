import { Hono } from "hono";
import { websocket } from "hono/bun";
import { AccountFiles, createLogger, limits, toLogger, type Bus, type FileBlobStore, type LogSink } from "@medusa/core";
import type { NodeBuilds } from "./downloads/node-builds.ts";
import { TokenVerifier } from "./http/auth.ts";
import type { GuessLimitOptions } from "./http/guess-limit.ts";
import { errorHandler, notFoundHandler } from "./http/error-handler.ts";
import { requestLog } from "./http/request-log.ts";
import { RateLimits } from "./http/rate-limits.ts";
import type { HttpEnv, Log } from "./http/types.ts";
import type { JobEventStream } from "./jobs/event-stream.ts";
import { ItemBytes } from "./nodes/item-bytes.ts";
import { sweepStaleUploads } from "./files/stale-uploads.ts";
import { NodeHub } from "./nodes/hub.ts";
import type { PackageMirror } from "./packages/package-mirror.ts";
import { PackagePinner } from "./packages/package-pinner.ts";
import { accountRoutes } from "./routes/accounts.ts";
import { docsRoutes } from "./routes/docs.ts";
import { downloadRoutes } from "./routes/downloads.ts";
import { fileRoutes } from "./routes/files.ts";
import { jobRoutes } from "./routes/jobs.ts";
import { meRoutes } from "./routes/me.ts";
import { nodeRoutes } from "./routes/nodes.ts";
import { packageRoutes } from "./routes/packages.ts";
import { pythonClientRoutes } from "./routes/python-client.ts";
import { sessionRoutes } from "./routes/sessions.ts";
import { SessionHub } from "./sessions/session-hub.ts";
import { siteRoutes } from "./site/site.ts";

export interface GatewayDeps {
  bus: Bus;
  blobs: FileBlobStore;
  /** Credits per partition per session round when a session names none (default 1). */
  pricePerRound?: number;
  /** Cap on JSON request bodies (default `limits.jsonBodyBytes`). */
  maxJsonBytes?: number;
  /** Cap on one uploaded file, whole or resumed (default `limits.fileBytes`). */
  maxFileBytes?: number;
  /** What one account may store, files and unfinished uploads (default `limits.storageQuotaBytes`). */
  storageQuotaBytes?: number;
  /** Unfinished uploads untouched this long are deleted, checked hourly (default `limits.pendingUploadMs`). */
  uploadExpiryMs?: number;
  /** One line per request and whatever goes wrong; JSON lines on stdout by default. */
  log?: LogSink;
  /** Chunks any one node may hold, whatever its slots (default `limits.nodeChunks`). */
  maxNodeChunks?: number;
  /** How often hungry nodes retry leasing without a `workAvailable` event (default 1 s). */
  nodeTickMs?: number;
  /** How often the leases of the chunks its nodes hold are renewed (default LEASE_RENEW_MS). */
  leaseRenewMs?: number;
  /** Sign-up, login, node registration and job submission limits (default DEFAULT_RATES, counted in memory). */
  rateLimits?: RateLimits;
  /** Caps on wrong node activation codes (default ACTIVATION_GUESSES). */
  activationGuesses?: GuessLimitOptions;
  /** Node executables served at /downloads/; their version is announced to every node that connects. */
  downloads?: NodeBuilds;
  /** The Pyodide package mirror jobs may name packages from (MEDUSA_PYODIDE_PACKAGES_DIR); none without it. */
  packageMirror?: PackageMirror;
  /** Cap on one uploaded wheel a job names (default 64 MiB). */
  maxWheelBytes?: number;
  /** The URL nodes reach this gateway by (MEDUSA_PUBLIC_URL): other gateways hand it to their nodes to fail over to. */
  publicUrl?: string;
}

/**
 * The public API and both WebSockets. Holds no state of its own beyond open
 * sockets and short caches: everything else is a bus call or a blob. Serve with
 * `Bun.serve({ fetch: app.fetch, websocket })`.
 */
export function createGateway(deps: GatewayDeps) {
  const { bus, blobs } = deps;
  const log = deps.log === undefined ? createLogger({ service: "gateway" }) : toLogger(deps.log);
  const maxJsonBytes = deps.maxJsonBytes ?? limits.jsonBodyBytes;
  const maxFileBytes = deps.maxFileBytes ?? limits.fileBytes;
  const verifier = new TokenVerifier(bus);
  const files = new AccountFiles(blobs, maxFileBytes, deps.storageQuotaBytes);
  const stopUploadSweep = sweepStaleUploads(files, deps.uploadExpiryMs ?? limits.pendingUploadMs, log);
  const hub = new NodeHub({ bus, blobs, log, tickMs: deps.nodeTickMs, renewMs: deps.leaseRenewMs, maxNodeChunks: deps.maxNodeChunks, publicUrl: deps.publicUrl, currentNodeVersion: () => deps.downloads?.currentVersion() ?? null });
  const streams = new Set<JobEventStream>();
  const rates = deps.rateLimits ?? new RateLimits();
  const packages = new PackagePinner({ blobs, mirror: deps.packageMirror, maxWheelBytes: deps.maxWheelBytes });
  const sessions = new SessionHub({ bus, blobs, log, nodes: hub, gatewayId: hub.gatewayId, pricePerRound: deps.pricePerRound, packages });
  hub.attachSessions(sessions);

  const app = new Hono<HttpEnv>()
    .use(requestLog({ log }))
    .get("/healthz", (c) => c.json({ ok: true }))
    .route("/v1", accountRoutes({ bus, maxJsonBytes, rates }))
    .route("/v1/me", meRoutes({ bus, verifier, files }))
    .route("/v1/files", fileRoutes({ files, verifier }))
    .route("/v1/jobs", jobRoutes({ bus, blobs, verifier, maxJsonBytes, log, streams, packages, rates }))
    .route("/v1/sessions", sessionRoutes({ bus, sessions, verifier, maxJsonBytes, rates }))
    .route("/v1/nodes", nodeRoutes({ bus, hub, items: new ItemBytes(bus, blobs), verifier, maxJsonBytes, rates, activationGuesses: deps.activationGuesses }))
    .route("/v1/packages", packageRoutes({ blobs, mirror: deps.packageMirror, verifier }))
    .route("/", downloadRoutes(deps.downloads ?? null))
    .route("/", pythonClientRoutes())
    .route("/", docsRoutes())
    .route("/", siteRoutes());
  app.onError(errorHandler({ log }));
  app.notFound(notFoundHandler);

  return {
    app,
    /** A node's frame holds a chunk's result: Bun's default cap (16 MiB) would close the node's socket (1009) on one at the result limit. */
    websocket: { ...websocket, maxPayloadLength: limits.resultBytes + limits.envelopeBytes },
    hub,
    /**
     * For `Bun.serve`: Bun's own cap on a request body (128 MiB unless set)
     * would cut a file upload short with a bare 413 before any route sees it.
     * Every route that reads a body counts it against its own cap
     * (`maxJsonBytes`, `maxFileBytes`) and answers the JSON 413 naming it, so
     * Bun's is lifted out of the way.
     */
    maxRequestBodySize: Number.MAX_SAFE_INTEGER,
    /** Closes every socket (nodes' chunks go back to the queue). The bus is the caller's to drain. */
    async close(): Promise<void> {
      stopUploadSweep();
      for (const s of streams) s.close(1001, "gateway is stopping");
      streams.clear();
      await sessions.close();
      await hub.close();
    },
  };
}

export type Gateway = ReturnType<typeof createGateway>;
