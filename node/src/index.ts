import { join } from "node:path";
import { NodeAgent } from "./agent/agent.ts";
import type { BackoffOptions } from "./agent/backoff.ts";
import { GatewayList } from "./agent/gateway-list.ts";
import { WheelCache } from "./packages/wheel-cache.ts";
import { cacheRoot, pyodideDir } from "./pyodide-assets.ts";
import { runnerCommand } from "./runner-command.ts";
import { ensurePythonSnapshot } from "./runner/python-snapshot.ts";
import { RunnerPool } from "./runner/runner-pool.ts";
import { NODE_VERSION } from "./version.ts";

export { NodeAgent, type AgentStatus, type ChunkRunner } from "./agent/agent.ts";
export { parseCli, nodeSocketUrl, USAGE, type CliOptions } from "./cli.ts";
export { NODE_VERSION } from "./version.ts";

export interface StartNodeOptions {
  /** The gateway, http(s)://host:port (or its node socket, ws(s)://…/v1/nodes/ws); several, comma-separated, to fail over between. */
  gateway: string;
  token: string;
  slots: number;
  /** Runner pool size, so slots can be raised live up to it (default: slots). */
  maxSlots?: number;
  /** Connect without asking for work until `agent.resume()`. */
  paused?: boolean;
  memoryMb?: number;
  /** Python runners kept loaded ahead of need; the pool's default when unset. */
  warmPython?: number;
  /** Run Python even without the OS sandbox (level "process"); otherwise such a node runs WASI only. */
  allowUnsandboxedPython?: boolean;
  graceMs?: number;
  /** How long a runner may take to start before it is killed and, if it was the first, tried again (default 60 s). */
  runnerStartTimeoutMs?: number;
  /** Where the wheels of jobs' packages are kept (default ~/.cache/medusa-node/packages). */
  packageCacheDir?: string;
  /** Where the Pyodide memory snapshot runners restore from is kept (default ~/.cache/medusa-node/snapshots). */
  snapshotDir?: string;
  /** False: runners boot Python instead of restoring the snapshot. Default true. */
  pythonSnapshot?: boolean;
  backoff?: Partial<BackoffOptions>;
  log?: (line: string) => void;
}

/**
 * Starts a volunteer node: a pool of sandboxed runner processes and the agent
 * that connects out to the gateway. `await agent.stop()` shuts both down.
 */
export async function startNode(opts: StartNodeOptions): Promise<NodeAgent> {
  const log = opts.log ?? ((line: string) => console.log(line));
  const gateways = new GatewayList(opts.gateway);
  const dir = await pyodideDir();
  const { abi_version: abiVersion } = (await Bun.file(join(dir, "pyodide-lock.json")).json()).info as { abi_version: string };
  const packages = new WheelCache({ gatewayUrl: () => gateways.httpUrl, token: opts.token, dir: opts.packageCacheDir ?? join(cacheRoot(), "packages"), abiVersion, log });
  // A cached snapshot is checked in a fraction of a second. Making one costs one Pyodide boot, once per node, and is
  // waited for: booting spares beside it would only split the cores, and after it every runner restores in well under a second.
  const snapshotOpts = { dir: opts.snapshotDir ?? join(cacheRoot(), "snapshots"), pyodideDir: dir, runnerCommand: runnerCommand("python", dir), log: (msg: string) => log(`[node] ${msg}`) };
  const snapshot = opts.pythonSnapshot === false ? undefined : await ensurePythonSnapshot(snapshotOpts);
  const pool = new RunnerPool({
    slots: Math.max(opts.slots, opts.maxSlots ?? 0),
    warmPython: opts.warmPython,
    memoryCapMb: opts.memoryMb,
    allowUnsandboxedPython: opts.allowUnsandboxedPython,
    startupTimeoutMs: opts.runnerStartTimeoutMs,
    runnerCommand: (runtime) => runnerCommand(runtime, dir, snapshot),
    packages,
    log: (msg) => log(`[runner] ${msg}`),
  });
  // The sandbox probe must have started (retried while slow); the warm runners load in the background, and the node takes no work until one has.
  await pool.start({ waitForWarm: false });
  const { level, runtimes, detail } = pool.sandbox;
  log(`[node] sandbox: ${level} (${detail})`);
  if (level === "wasi-only") log("[node] no OS sandbox on this computer: running WASI modules only; --allow-unsandboxed-python runs Python too, unprotected");
  log(`[node] medusa-node ${NODE_VERSION}: ${opts.slots} slot(s), connecting to ${gateways.all.join(", ")}`);
  const sandbox = { sandbox: level, runtimes };
  return new NodeAgent({ url: gateways, token: opts.token, slots: opts.slots, paused: opts.paused, pool, version: NODE_VERSION, graceMs: opts.graceMs, backoff: opts.backoff, log, ready: pool.ready, ...sandbox }).start();
}
