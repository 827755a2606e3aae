import { call, errorFields, events, limits, listen, sha256Hex, subjects, type BlobStore, type Bus, type ChunkInput, type NodeSessionMessage, type SandboxLevel, type Served } from "@medusa/core";
import type { SessionNode } from "../sessions/session.ts";
import type { SessionNodeSource } from "../sessions/session-hub.ts";
import type { Log, NodePrincipal } from "../http/types.ts";
import { chunkItems } from "./chunk-items.ts";
import type { HubServices, JobProgram } from "./hub-services.ts";
import { NodeConnection, type NodeSocket } from "./node-connection.ts";

/** Where session traffic from nodes goes (the gateway's SessionHub). */
export interface SessionSink {
  onNodeMessage(nodeId: string, message: NodeSessionMessage): void;
  nodeLost(nodeId: string): void;
}

export interface NodeStatus {
  state: "online";
  since: string;
  chunksDone: number;
  sandbox?: SandboxLevel;
  slots?: number;
}

export interface NodeHubOptions {
  bus: Bus;
  blobs: BlobStore;
  log: Log;
  /** How often hungry connections retry leasing when no `workAvailable` arrives. */
  tickMs?: number;
  /** Job programs kept in memory (WASI modules can be large). */
  programCacheSize?: number;
  /** The node version this gateway offers for download, told to each node in its welcome. */
  currentNodeVersion?: () => string | null;
  /** Chunks any one node may hold, whatever its slots (default `limits.nodeChunks`). */
  maxNodeChunks?: number;
}

/**
 * The nodes connected to this gateway, one connection per node id (a newer
 * socket replaces an older one). Listens once per gateway for new work and
 * for stopped jobs, and passes both on to the connections concerned.
 */
export class NodeHub implements HubServices, SessionNodeSource {
  readonly bus: Bus;
  readonly log: Log;
  readonly maxNodeChunks: number;
  private readonly blobs: BlobStore;
  private readonly connections = new Map<string, NodeConnection>();
  private readonly programs = new Map<string, Promise<JobProgram>>();
  private readonly programCacheSize: number;
  private readonly listeners: Served[];
  private readonly ticker: ReturnType<typeof setInterval>;
  private sessions: SessionSink | null = null;
  private nextFed = 0;
  private readonly currentNodeVersion: () => string | null;

  constructor(options: NodeHubOptions) {
    this.bus = options.bus;
    this.blobs = options.blobs;
    this.log = options.log;
    this.maxNodeChunks = options.maxNodeChunks ?? limits.nodeChunks;
    this.programCacheSize = options.programCacheSize ?? 64;
    this.currentNodeVersion = options.currentNodeVersion ?? (() => null);
    const onError = (err: unknown) => this.log.warn("node hub: bad event skipped", errorFields(err));
    this.listeners = [
      listen(this.bus, events.workAvailable, ({ chunks }) => this.feedHungry(chunks), { onError }),
      listen(this.bus, events.jobStopped, ({ jobId }) => this.stopJob(jobId), { onError }),
    ];
    this.ticker = setInterval(() => this.feedHungry(), options.tickMs ?? 1_000);
  }

  /** A node's socket opened. An older socket of the same node is closed and its leases put back first. */
  /** `origin`: the network the node connects from (see networkOrigin); replicas of a chunk go to distinct ones. */
  open(principal: NodePrincipal, socket: NodeSocket, origin = "unknown"): NodeConnection {
    const older = this.connections.get(principal.nodeId);
    let ready = Promise.resolve();
    if (older) {
      // Out of the map first: closing fires the older socket's onClose at once, which must not release again.
      this.connections.delete(principal.nodeId);
      older.close(4000, "replaced by a newer connection of this node");
      ready = this.release(principal.nodeId);
    }
    const connection = new NodeConnection(principal.nodeId, principal.ownerId, socket, this, ready, origin);
    this.connections.set(principal.nodeId, connection);
    const nodeVersion = this.currentNodeVersion();
    connection.send({ type: "welcome", nodeId: principal.nodeId, maxChunks: this.maxNodeChunks, ...(nodeVersion ? { nodeVersion } : {}) });
    return connection;
  }

  /** A node's socket closed: unless a newer socket took over, its chunks go back to the queue. */
  async closed(connection: NodeConnection): Promise<void> {
    connection.closed = true;
    if (this.connections.get(connection.nodeId) !== connection) return;
    this.connections.delete(connection.nodeId);
    this.sessions?.nodeLost(connection.nodeId);
    await this.release(connection.nodeId);
  }

  attachSessions(sink: SessionSink): void {
    this.sessions = sink;
  }

  sessionMessage(nodeId: string, message: NodeSessionMessage): void {
    this.sessions?.onNodeMessage(nodeId, message);
  }

  /** Connected nodes that run Python inside an OS sandbox (or were allowed to without one). */
  eligible(): SessionNode[] {
    return [...this.connections.values()].filter((c) => !c.closed && c.runtimes.includes("python") && c.sandbox !== "wasi-only");
  }

  node(nodeId: string): SessionNode | undefined {
    const c = this.connections.get(nodeId);
    return c && !c.closed ? c : undefined;
  }

  async releaseOrphans(nodeId: string): Promise<void> {
    if (!this.connections.has(nodeId)) await this.release(nodeId);
  }

  status(nodeId: string): NodeStatus | undefined {
    const c = this.connections.get(nodeId);
    if (!c) return undefined;
    return { state: "online", since: new Date(c.since).toISOString(), chunksDone: c.chunksDone, sandbox: c.sandbox, slots: c.slots };
  }

  get size(): number {
    return this.connections.size;
  }

  /** Connected nodes that have said hello: their runtimes are known, so chunks and sessions can be placed on them. */
  get greeted(): number {
    return [...this.connections.values()].filter((c) => !c.closed && c.runtimes.length > 0).length;
  }

  program(jobId: string): Promise<JobProgram> {
    let cached = this.programs.get(jobId);
    if (!cached) {
      if (this.programs.size >= this.programCacheSize) this.programs.delete(this.programs.keys().next().value!);
      cached = call(this.bus, subjects.jobProgram, { jobId }).then((p) => ({ ...p, affinity: sha256Hex(`${p.owner}\n${JSON.stringify(p.program)}`) }));
      cached.catch(() => this.programs.delete(jobId));
      this.programs.set(jobId, cached);
    }
    return cached;
  }

  chunkItems(job: { jobId: string; owner: string }, input: ChunkInput): Promise<unknown[]> {
    return chunkItems({ bus: this.bus, blobs: this.blobs }, job, input);
  }

  /** Closes every node socket and puts their chunks back; the gateway is stopping. */
  async close(): Promise<void> {
    clearInterval(this.ticker);
    for (const l of this.listeners) l.subscription.unsubscribe();
    const open = [...this.connections.values()];
    this.connections.clear();
    for (const c of open) c.close(1001, "gateway is stopping");
    await Promise.all(open.map((c) => this.release(c.nodeId)));
  }

  /**
   * Wakes hungry connections to lease again: as many as there are new chunks
   * (each lease that finds the queue empty is a wasted store transition),
   * starting after the last one woken so every node gets its turn; all of
   * them on the timer tick.
   */
  private feedHungry(chunks = Number.POSITIVE_INFINITY): void {
    const hungry = [...this.connections.values()].filter((c) => c.hungry && c.outstanding > 0);
    if (hungry.length === 0) return;
    const start = this.nextFed++ % hungry.length;
    const woken = Math.min(hungry.length, chunks);
    for (let i = 0; i < woken; i++) void hungry[(start + i) % hungry.length]!.pump();
  }

  private stopJob(jobId: string): void {
    this.programs.delete(jobId);
    for (const c of this.connections.values()) c.cancelJob(jobId);
  }

  private async release(nodeId: string): Promise<void> {
    try {
      const { requeued } = await call(this.bus, subjects.releaseNode, { nodeId });
      if (requeued > 0) this.log.info("chunks of a node that left put back", { nodeId, requeued });
    } catch (err) {
      this.log.warn("releasing a node's leases failed; they will expire instead", { nodeId, ...errorFields(err) });
    }
  }
}
