import { availableParallelism } from "node:os";
import { join } from "node:path";
import { connectBus, openAccountStore, openBlobs, openChunkStore, openLedgerStore, openSettlementQueue } from "@medusa/adapters";
import { createLogger } from "@medusa/core";
import { serveCredits } from "@medusa/credits";
import { ftpOptions, startFtp } from "@medusa/ftp";
import { createGateway, PackageMirror } from "@medusa/gateway";
import { startNode } from "@medusa/node";
import { policyFromEnv, serveScheduler } from "@medusa/scheduler";
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
  const bus = await connectBus(env, "stack");
  const blobs = openBlobs(env);
  const chunks = await openChunkStore(env);
  const accounts = await openAccountStore(env);
  const ledger = await openLedgerStore(env);
  const settlements = await openSettlementQueue(env, bus);
  const quiet = () => {};

  const credits = serveCredits(bus, {
    store: accounts,
    ledger,
    settlements,
    starterCredits: env.MEDUSA_STARTER_CREDITS,
    loginTtlMs: env.MEDUSA_LOGIN_TTL_MS,
    log: logger("credits"),
  });
  const splitter = serveSplitter(bus, { blobs, log: logger("splitter") });
  const scheduler = serveScheduler(bus, {
    store: chunks,
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
  const gateway = createGateway({ bus, blobs, settlements, pricePerRound: env.MEDUSA_PRICE_PER_ROUND, maxFileBytes: env.MEDUSA_MAX_FILE_BYTES, storageQuotaBytes: env.MEDUSA_STORAGE_QUOTA, uploadExpiryMs: env.MEDUSA_UPLOAD_EXPIRY, log: logger("gateway"), downloads, packageMirror });
  const server = Bun.serve({ port: env.MEDUSA_PORT, hostname: "127.0.0.1", fetch: gateway.app.fetch, websocket: gateway.websocket, maxRequestBodySize: gateway.maxRequestBodySize });
  const url = `http://127.0.0.1:${server.port}`;
  const ftpPort = env.MEDUSA_FTP_PORT ?? (env.MEDUSA_PORT === 0 ? 0 : 2121);
  const ftp = await startFtp({ bus, blobs, ...ftpOptions(env, ftpPort), log: (m) => logger("ftp").info(m) });

  const operator = await localOperator(bus, env.MEDUSA_DATA_DIR, env.MEDUSA_LOCAL_NODES);
  const nodes = await Promise.all(
    operator.nodeTokens.map((token) =>
      startNode({ gateway: url, token, slots: env.MEDUSA_NODE_SLOTS ?? Math.max(1, availableParallelism() - 1), packageCacheDir: join(env.MEDUSA_DATA_DIR, "node-packages"), pythonSnapshot: env.MEDUSA_PYTHON_SNAPSHOT, log: quiet }),
    ),
  );

  return {
    url,
    ftpUrl: ftp.url,
    operator,
    async close() {
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
      await accounts.close();
      await settlements.close();
      await ledger.close();
    },
  };
}
