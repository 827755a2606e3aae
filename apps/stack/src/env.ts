import { ftpVars } from "@medusa/ftp";
import { z } from "zod";
import { durationFrom, intFrom, limits, LogLevel, parseEnv, PortEnv, type EnvSource } from "@medusa/core";
import { rateLimitEnv } from "@medusa/gateway";
import { confirmationEnv } from "@medusa/credits";
import { replicaEnv, retentionEnv } from "@medusa/scheduler";

/** The embedded stack's configuration: every service in one process, so NATS is optional. */
export const StackEnv = PortEnv.extend({
  /** One process, and its console is the demo's screen: a line per request would bury it, so warnings and errors only unless asked. */
  MEDUSA_LOG_LEVEL: LogLevel.default("warn"),
  /** The local nodes all belong to the local operator, a private pool: its nodes may be one chunk's replicas (MEDUSA_SAME_OWNER_REPLICAS=0 to forbid). */
  ...replicaEnv(true),
  ...retentionEnv(),
  ...rateLimitEnv(),
  MEDUSA_PORT: intFrom(8080, 0, 65535),
  /** Default 2121; 0 (a free port) when MEDUSA_PORT is 0, so stacks started with free ports never clash. */
  MEDUSA_FTP_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  /** On one machine passive ports need no firewall rule: any free port, on loopback. */
  ...ftpVars({ pasvPorts: "0", host: "127.0.0.1" }),
  MEDUSA_LOCAL_NODES: intFrom(2, 0, 64),
  /** Unfinished uploads untouched this long are deleted. */
  MEDUSA_UPLOAD_EXPIRY: durationFrom(String(limits.pendingUploadMs), 1000),
  /** How long a local node's runner may take to start before it is killed and tried again in the background. */
  MEDUSA_RUNNER_START_TIMEOUT: durationFrom("60s", 100),
  /** 0: local nodes' runners boot Python instead of restoring the node's Pyodide snapshot (to measure it, or should the private API misbehave). */
  MEDUSA_PYTHON_SNAPSHOT: z.enum(["0", "1"]).default("1").transform((v) => v === "1"),
  /** Slots per local node; default: the node's own default (cores − 1). */
  MEDUSA_NODE_SLOTS: z.coerce.number().int().min(1).max(64).optional(),
  /** On your own machine credits should not get in your way: a larger starter grant than a public deployment's. */
  MEDUSA_STARTER_CREDITS: intFrom(1_000_000, 0),
  /** Your own machine: sign-ups are confirmed at once unless MEDUSA_CONFIRM_EMAIL=1 (then the link goes to the log, or over MEDUSA_SMTP_URL). */
  ...confirmationEnv(false),
  MEDUSA_PRICE_PER_CHUNK: intFrom(1, 0),
  /** Chunks any one node may hold at once, whatever slots it declares. */
  MEDUSA_NODE_MAX_CHUNKS: intFrom(limits.nodeChunks, 1),
  MEDUSA_PRICE_PER_ROUND: intFrom(1, 0),
  MEDUSA_LOGIN_TTL_MS: intFrom(7 * 24 * 3600 * 1000, 1000),
  /** How old a job's escrow must be before, if no job holds it, it is refunded (0: never). */
  MEDUSA_ORPHAN_ESCROW_MS: intFrom(10 * 60_000, 0),
  /** Node executables served at /downloads/; default <data dir>/downloads, where this computer's own is built on first request. */
  MEDUSA_DOWNLOADS_DIR: z.string().min(1).optional(),
  /** The Pyodide package mirror jobs may name packages from (README: Python packages); none without it. */
  MEDUSA_PYODIDE_PACKAGES_DIR: z.string().min(1).optional(),
});
export type StackEnv = z.infer<typeof StackEnv>;

/** Parses the configuration once at start-up; throws naming any bad variable. */
export const stackEnv = (source: EnvSource = process.env): StackEnv => parseEnv(StackEnv, source);
