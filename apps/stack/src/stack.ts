import { availableParallelism } from "node:os";
import { join } from "node:path";
import { connectBus, openAccountStore, openBlobs, openChunkStore, openLedgerStore, openSettlementQueue } from "@medusa/adapters";
import { serveCredits } from "@medusa/credits";
import { createGateway, PackageMirror } from "@medusa/gateway";
import { startNode } from "@medusa/node";
import { policyFromEnv, serveScheduler } from "@medusa/scheduler";
import { serveSplitter } from "@medusa/splitter";
import { localOperator, type LocalOperator } from "./local-operator.ts";
import type { StackEnv } from "./env.ts";

export interface Stack {
  url: string;
  /** The account that owns the local nodes and earns what they are paid. */
  operator: LocalOperator;
  close(): Promise<void>;
}

/**
 * Every service in one process, each wired to the ports the environment
 * selects (in-process bus, SQLite and a folder unless URLs say otherwise),
 * plus local volunteer nodes whose runners are still separate processes.
 */
export async function startStack(env: StackEnv, log: (msg: string) => void = console.log): Promise<Stack> {
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
    log: (m) => log(`[credits] ${m}`),
  });
  const splitter = serveSplitter(bus, { blobs });
  const scheduler = serveScheduler(bus, {
    store: chunks,
    blobs,
    settlements,
    pricePerChunk: env.MEDUSA_PRICE_PER_CHUNK,
    replicaPolicy: policyFromEnv(env),
    log: (m) => log(`[scheduler] ${m}`),
  });
  const packageMirror = env.MEDUSA_PYODIDE_PACKAGES_DIR ? PackageMirror.open(env.MEDUSA_PYODIDE_PACKAGES_DIR) : undefined;
  if (packageMirror) log(`[gateway] ${packageMirror.summary()}`);
  const gateway = createGateway({ bus, blobs, settlements, pricePerRound: env.MEDUSA_PRICE_PER_ROUND, packageMirror, log: quiet });
  const server = Bun.serve({ port: env.MEDUSA_PORT, hostname: "127.0.0.1", fetch: gateway.app.fetch, websocket: gateway.websocket });
  const url = `http://127.0.0.1:${server.port}`;

  const operator = await localOperator(bus, env.MEDUSA_DATA_DIR, env.MEDUSA_LOCAL_NODES);
  const nodes = await Promise.all(
    operator.nodeTokens.map((token) =>
      startNode({ gateway: url, token, slots: env.MEDUSA_NODE_SLOTS ?? Math.max(1, availableParallelism() - 1), packageCacheDir: join(env.MEDUSA_DATA_DIR, "node-packages"), log: quiet }),
    ),
  );

  return {
    url,
    operator,
    async close() {
      await Promise.all(nodes.map((n) => n.stop()));
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
