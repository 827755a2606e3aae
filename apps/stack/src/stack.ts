import { availableParallelism } from "node:os";
import { join } from "node:path";
import { connectBus, openAccountStore, openBlobs, openChunkStats, openChunkStore, openLedgerStore, openMailer, openPresenceStore, openSessionStore, openSettlementQueue } from "@medusa/adapters";
import { createLogger } from "@medusa/core";
import { serveCredits } from "@medusa/credits";
import { ftpOptions, startFtp } from "@medusa/ftp";
import { createGateway, gatewayMetrics, PackageMirror, RateLimits, ratesFromEnv } from "@medusa/gateway";
import { startNode } from "@medusa/node";
import { meteredBus, opsRoutes, Readiness, serviceRegistry, withOpsRoutes } from "@medusa/ops";
import { chunkStoreGauges, meteredChunkStore, policyFromEnv, serveScheduler } from "@medusa/scheduler";
import { serveSplitter } from "@medusa/splitter";
import { localOperator, type LocalOperator } from "./local-operator.ts";
import { embeddedNodeBuilds } from "./node-downloads.ts";
import type { StackEnv } from "./env.ts";

export interface Stack {
  url: string;
  /** `ftp://127.0.0.1:<port>`: the same files as the REST API, by FTP. */
  ftpUrl: string;
  /** The account that owns the local nodes and earns what they are paid. */
  operator: LocalOperator;
  close(): Promise<void>;
}

/**
 * Every service in one process, each wired to the ports the environment
 * selects (in-process bus, SQLite and a folder unless URLs say otherwise),
 * plus local volunteer nodes whose runners are still separate processes.
 * Each service logs JSON lines at `MEDUSA_LOG_LEVEL` (warn unless set, see
 * env.ts) to `write`, stdout by default.
 */
export async function startStack(env: StackEnv, write: (line: string) => void = (line) => console.log(line)): Promise<Stack> {
  const logger = (service: string) => createLogger({ service, level: env.MEDUSA_LOG_LEVEL, write });
  // One registry for every service in the process: /metrics on the gateway's port shows them all.
  const registry = serviceRegistry("stack");
  const bus = meteredBus(await connectBus(env, "stack"), registry);
  const blobs = await openBlobs(env, bus);
  const chunks = meteredChunkStore(await openChunkStore(env), registry);
  const chunkStats = openChunkStats(env);
  chunkStoreGauges(chunkStats, registry);
  const presence = await openPresenceStore(env);
  const sessions = await openSessionStore(env);
  const accounts = await openAccountStore(env);
  const ledger = await openLedgerStore(env);
  const settlements = await openSettlementQueue(env, bus);
  // A node's lines are progress, not problems: shown only at MEDUSA_LOG_LEVEL=info or finer.
  const nodeLog = logger("node");

  const credits = serveCredits(bus, {
    store: accounts,
    ledger,
    settlements,
    starterCredits: env.MEDUSA_STARTER_CREDITS,
    loginTtlMs: env.MEDUSA_LOGIN_TTL_MS,
    confirmation: {
      required: env.MEDUSA_CONFIRM_EMAIL,
      mailer: openMailer({ smtpUrl: env.MEDUSA_SMTP_URL, from: env.MEDUSA_MAIL_FROM }, logger("credits")),
      publicUrl: () => env.MEDUSA_PUBLIC_URL ?? url,
    },
    log: logger("credits"),
    orphanEscrowMs: env.MEDUSA_ORPHAN_ESCROW_MS,
  });
  const splitter = serveSplitter(bus, { blobs, log: logger("splitter") });
  const scheduler = serveScheduler(bus, {
    store: chunks,
    presence,
    sessions,
    blobs,
    settlements,
    pricePerChunk: env.MEDUSA_PRICE_PER_CHUNK,
    replicaPolicy: policyFromEnv(env),
    retentionMs: env.MEDUSA_RETENTION,
    log: logger("scheduler"),
  });
  const downloads = embeddedNodeBuilds(env, (m) => logger("downloads").info(m));
  const packageMirror = env.MEDUSA_PYODIDE_PACKAGES_DIR ? PackageMirror.open(env.MEDUSA_PYODIDE_PACKAGES_DIR) : undefined;
  if (packageMirror) logger("gateway").info(packageMirror.summary());
  const gateway = createGateway({ bus, blobs, pricePerRound: env.MEDUSA_PRICE_PER_ROUND, maxFileBytes: env.MEDUSA_MAX_FILE_BYTES, storageQuotaBytes: env.MEDUSA_STORAGE_QUOTA, uploadExpiryMs: env.MEDUSA_UPLOAD_EXPIRY, maxNodeChunks: env.MEDUSA_NODE_MAX_CHUNKS, rateLimits: new RateLimits(ratesFromEnv(env)), log: logger("gateway"), downloads, packageMirror });
  const localNodes = env.MEDUSA_LOCAL_NODES;
  const readiness = new Readiness({
    bus: () => bus.flush(),
    chunks: () => chunks.getJob("readyz"),
    // Until the local nodes are connected a job would be refused ("no node … is connected").
    nodes: () => {
      if (gateway.hub.greeted < localNodes) throw new Error(`${gateway.hub.greeted} of ${localNodes} local nodes connected`);
    },
  });
  const fetch = withOpsRoutes(opsRoutes(registry, readiness), gatewayMetrics(gateway, registry, gateway.app.fetch));
  const server = Bun.serve({ port: env.MEDUSA_PORT, hostname: "127.0.0.1", fetch, websocket: gateway.websocket, maxRequestBodySize: gateway.maxRequestBodySize });
  const url = `http://127.0.0.1:${server.port}`;
  const ftpPort = env.MEDUSA_FTP_PORT ?? (env.MEDUSA_PORT === 0 ? 0 : 2121);
  const ftp = await startFtp({ bus, blobs, ...ftpOptions(env, ftpPort), log: (m) => logger("ftp").info(m) });

  const operator = await localOperator(bus, env.MEDUSA_DATA_DIR, env.MEDUSA_LOCAL_NODES);
  const nodes = await Promise.all(
    operator.nodeTokens.map((token) =>
      startNode({ gateway: url, token, slots: env.MEDUSA_NODE_SLOTS ?? Math.max(1, availableParallelism() - 1), packageCacheDir: join(env.MEDUSA_DATA_DIR, "node-packages"), snapshotDir: join(env.MEDUSA_DATA_DIR, "node-snapshots"), pythonSnapshot: env.MEDUSA_PYTHON_SNAPSHOT, runnerStartTimeoutMs: env.MEDUSA_RUNNER_START_TIMEOUT, log: (line) => nodeLog.info(line) }),
    ),
  );

  return {
    url,
    ftpUrl: ftp.url,
    operator,
    async close() {
      readiness.drain();
      await Promise.all(nodes.map((n) => n.stop()));
      await ftp.close();
      await downloads.settled();
      await gateway.close();
      server.stop(true);
      await scheduler.close();
      await splitter.close();
      await credits.close();
      await bus.drain();
      await chunks.close();
      await chunkStats.close();
      await presence.close();
      await sessions.close();
      await accounts.close();
      await settlements.close();
      await ledger.close();
    },
  };
}
