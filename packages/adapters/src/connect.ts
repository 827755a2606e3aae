import { mkdirSync } from "node:fs";
import { join } from "node:path";
import Redis from "ioredis";
import type { AccountStore, Bus, ChunkStore, FileBlobStore, LedgerStore, Logger, Mailer, PortEnv, PresenceStore, SessionStore, SettlementQueue } from "@medusa/core";
import { errorMessage } from "@medusa/core";
import { MongoAccountStore } from "./accounts/mongo-accounts.ts";
import { SqliteAccountStore } from "./accounts/sqlite-accounts.ts";
import { FolderBlobStore } from "./blobs/folder-blobs.ts";
import { JetStreamBlobStore } from "./blobs/jetstream-blobs.ts";
import { LogMailer } from "./mail/log-mailer.ts";
import { SmtpMailer } from "./mail/smtp-mailer.ts";
import { MemoryBus } from "./bus/memory-bus.ts";
import { NatsBus } from "./bus/nats-bus.ts";
import { RedisChunkStore } from "./chunks/redis-chunk-store.ts";
import { SqliteChunkStore } from "./chunks/sqlite-chunk-store.ts";
import { MongoLedgerStore } from "./ledger/mongo-ledger.ts";
import { RedisPresenceStore } from "./presence/redis-presence.ts";
import { SqlitePresenceStore } from "./presence/sqlite-presence.ts";
import { RedisSessionStore } from "./sessions/redis-sessions.ts";
import { SqliteSessionStore } from "./sessions/sqlite-sessions.ts";
import { SqliteLedgerStore } from "./ledger/sqlite-ledger.ts";
import { DirectSettlements } from "./settlements/direct-settlements.ts";
import { JetStreamSettlements } from "./settlements/jetstream-settlements.ts";

/**
 * Picks each port's adapter from the environment: a URL selects the
 * distributed adapter, its absence the embedded one under MEDUSA_DATA_DIR.
 */
function dataDir(env: PortEnv): string {
  mkdirSync(env.MEDUSA_DATA_DIR, { recursive: true });
  return env.MEDUSA_DATA_DIR;
}

/** A service started alone needs NATS (`require`); the embedded stack shares one in-process bus. */
export async function connectBus(env: PortEnv, name: string, opts: { require?: boolean } = {}): Promise<Bus> {
  if (env.MEDUSA_NATS_URL) return NatsBus.connect(env.MEDUSA_NATS_URL, { prefix: env.MEDUSA_PREFIX, name });
  if (opts.require) throw new Error(`MEDUSA_NATS_URL is not set: the ${name} service on its own talks to the others over NATS`);
  return new MemoryBus();
}

export async function openChunkStore(env: PortEnv): Promise<ChunkStore> {
  if (env.MEDUSA_REDIS_URL) return new RedisChunkStore(new Redis(env.MEDUSA_REDIS_URL, { maxRetriesPerRequest: 3 }), env.MEDUSA_PREFIX);
  return new SqliteChunkStore(join(dataDir(env), "chunks.sqlite"));
}

/** Sessions inside the chunk store (same Redis prefix, same SQLite file), writing to its settlement outbox. */
export async function openSessionStore(env: PortEnv): Promise<SessionStore> {
  if (env.MEDUSA_REDIS_URL) return new RedisSessionStore(new Redis(env.MEDUSA_REDIS_URL, { maxRetriesPerRequest: 3 }), env.MEDUSA_PREFIX);
  return new SqliteSessionStore(join(dataDir(env), "chunks.sqlite"));
}

/** Node presence beside the chunk state: in Redis when MEDUSA_REDIS_URL is set, else SQLite under MEDUSA_DATA_DIR. */
export async function openPresenceStore(env: PortEnv): Promise<PresenceStore> {
  if (env.MEDUSA_REDIS_URL) return new RedisPresenceStore(new Redis(env.MEDUSA_REDIS_URL, { maxRetriesPerRequest: 3 }), env.MEDUSA_PREFIX);
  return new SqlitePresenceStore(join(dataDir(env), "presence.sqlite"));
}

/** Where a gateway's rate limits count: Redis when the deployment has one, so all replicas count together; none (memory) otherwise. */
export function openRateLimitRedis(env: PortEnv): Redis | undefined {
  // No offline queue: while Redis is unreachable the limiter counts in memory at once instead of waiting.
  return env.MEDUSA_REDIS_URL ? new Redis(env.MEDUSA_REDIS_URL, { enableOfflineQueue: false, maxRetriesPerRequest: 1 }) : undefined;
}

/** Email over SMTP when a server is configured; otherwise into the log. */
export function openMailer(options: { smtpUrl?: string; from: string }, log: Logger): Mailer {
  return options.smtpUrl ? new SmtpMailer(options.smtpUrl, options.from) : new LogMailer(log);
}

export async function openAccountStore(env: PortEnv): Promise<AccountStore> {
  if (env.MEDUSA_MONGO_URL) return MongoAccountStore.connect(env.MEDUSA_MONGO_URL, env.MEDUSA_PREFIX);
  return new SqliteAccountStore(join(dataDir(env), "accounts.sqlite"));
}

export async function openLedgerStore(env: PortEnv): Promise<LedgerStore> {
  if (env.MEDUSA_MONGO_URL) return MongoLedgerStore.connect(env.MEDUSA_MONGO_URL, env.MEDUSA_PREFIX);
  return new SqliteLedgerStore(join(dataDir(env), "ledger.sqlite"));
}

/**
 * Over NATS, settlements travel through JetStream. On the in-process bus the
 * scheduler and credits service share one process: pass the same
 * DirectSettlements to both (the embedded stack does).
 */
export async function openSettlementQueue(env: PortEnv, bus: Bus): Promise<SettlementQueue> {
  if (bus instanceof NatsBus) return JetStreamSettlements.open(bus.nc, { prefix: env.MEDUSA_PREFIX });
  return new DirectSettlements();
}

/** MEDUSA_BLOBS=jetstream keeps blobs in the `<prefix>_blobs` object store bucket on the bus's NATS, so no host needs a shared disk. */
export async function openBlobs(env: PortEnv, bus: Bus): Promise<FileBlobStore> {
  if (env.MEDUSA_BLOBS === "folder") return new FolderBlobStore(join(dataDir(env), "blobs"));
  if (!(bus instanceof NatsBus)) throw new Error("MEDUSA_BLOBS=jetstream keeps blobs in NATS JetStream: MEDUSA_NATS_URL must be set");
  return JetStreamBlobStore.open(bus.nc, `${env.MEDUSA_PREFIX}_blobs`, { replicas: env.MEDUSA_BLOBS_REPLICAS });
}

/**
 * Bounded shutdown on SIGTERM/SIGINT: run each closer in order, and exit
 * non-zero if they have not all finished within the limit.
 */
export function shutdownOn(name: string, closers: Array<() => Promise<unknown> | unknown>, limitMs = 10_000): void {
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`[${name}] ${signal}: shutting down`);
    const timer = setTimeout(() => {
      console.error(`[${name}] shutdown took over ${limitMs} ms; exiting anyway`);
      process.exit(1);
    }, limitMs);
    for (const close of closers) {
      try {
        await close();
      } catch (err) {
        console.error(`[${name}] during shutdown: ${errorMessage(err)}`);
      }
    }
    clearTimeout(timer);
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
}
