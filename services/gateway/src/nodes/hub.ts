import { randomUUID } from "node:crypto";
import { call, errorFields, events, LEASE_RENEW_MS, limits, listen, PRESENCE_HEARTBEAT_MS, sha256Hex, subjects, type BlobStore, type NodePresence, type Bus, type ChunkInput, type NodeSessionMessage, type SandboxLevel, type Served, type SessionHolder } from "@medusa/core";
import type { SessionNode } from "../sessions/session.ts";
import type { SessionNodeSource } from "../sessions/session-hub.ts";
import type { Log, NodePrincipal } from "../http/types.ts";
import { chunkItems } from "./chunk-items.ts";
import type { HubServices, JobProgram } from "./hub-services.ts";
import { NodeConnection, type NodeSocket } from "./node-connection.ts";

/** Where session traffic from nodes goes (the gateway's SessionHub, which passes it on to each session's host). */
export interface SessionSink {
  fromNode(holder: SessionHolder, message: NodeSessionMessage): void;
  nodeClosed(holder: SessionHolder): void;
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
  /** The URL nodes reach this gateway by (MEDUSA_PUBLIC_URL), shared so other gateways' welcomes list it. */
  publicUrl?: string;
  /** How often this gateway's nodes are heartbeated into the shared presence. */
  heartbeatMs?: number;
  /** How often the leases of the chunks its nodes hold are renewed (default LEASE_RENEW_MS). */
  renewMs?: number;
}

/**
 * The nodes connected to this gateway, one connection per node id (a newer
 * socket replaces an older one). Listens once per gateway for new work and
 * for stopped jobs, and passes both on to the connections concerned. Every
 * heartbeatMs it tells the shared presence which nodes it holds (see core's
 * presence.ts), and learns which gateways are alive, for its welcomes. Every
 * renewMs it renews the leases of the chunks its nodes hold, so the scheduler
 * can keep leases short: when this gateway dies, nobody renews them, and its
 * nodes' chunks are back in the queue within one short lease.
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
  workAnnounced = 0;
  private readonly currentNodeVersion: () => string | null;
  /** This gateway process, in the shared presence. */
  readonly gatewayId = randomUUID();
  private readonly publicUrl: string | undefined;
  private readonly heartbeat: ReturnType<typeof setInterval>;
  private gateways: string[] = [];
  private beatFailing = false;
  private readonly renewer: ReturnType<typeof setInterval>;
  private renewFailing = false;
  private renewing = false;

  constructor(options: NodeHubOptions) {
    this.bus = options.bus;
    this.blobs = options.blobs;
    this.log = options.log;
    this.maxNodeChunks = options.maxNodeChunks ?? limits.nodeChunks;
    this.programCacheSize = options.programCacheSize ?? 64;
    this.currentNodeVersion = options.currentNodeVersion ?? (() => null);
    const onError = (err: unknown) => this.log.warn("node hub: bad event skipped", errorFields(err));
    this.listeners = [
      listen(this.bus, events.workAvailable, ({ chunks, programs }) => {
        for (const p of programs ?? []) this.remember(p.jobId, Promise.resolve(withAffinity(p)));
        this.workAnnounced++;
        this.feedHungry(chunks);
      }, { onError }),
      listen(this.bus, events.jobStopped, ({ jobId }) => this.stopJob(jobId), { onError }),
    ];
    this.ticker = setInterval(() => this.feedHungry(), options.tickMs ?? 1_000);
    this.publicUrl = options.publicUrl;
    this.heartbeat = setInterval(() => void this.beat(), options.heartbeatMs ?? PRESENCE_HEARTBEAT_MS);
    void this.beat();
    this.renewer = setInterval(() => void this.renew(), options.renewMs ?? LEASE_RENEW_MS);
  }

  /**
   * A node's socket opened. An older socket of the same node is closed. The
   * node's leases are put back before it leases again: whatever it held
   * belonged to an older connection, here or on a gateway that died, and a
   * node drops what it ran under an older connection. `origin`: the network
   * the node connects from (see networkOrigin); replicas of a chunk go to distinct ones.
   */
  open(principal: NodePrincipal, socket: NodeSocket, origin = "unknown"): NodeConnection {
    const older = this.connections.get(principal.nodeId);
    if (older) {
      // Out of the map first: closing fires the older socket's onClose at once, which must not release again.
      this.connections.delete(principal.nodeId);
      older.close(4000, "replaced by a newer connection of this node");
      // The node dropped its session partitions with the older socket.
      this.sessions?.nodeClosed({ nodeId: older.nodeId, connection: older.connection });
    }
    const connection = new NodeConnection(principal.nodeId, principal.ownerId, socket, this, this.release(principal.nodeId), origin);
    this.connections.set(principal.nodeId, connection);
    const nodeVersion = this.currentNodeVersion();
    const gateways = this.gateways.length > 0 ? { gateways: this.gateways } : {};
    connection.send({ type: "welcome", nodeId: principal.nodeId, maxChunks: this.maxNodeChunks, ...(nodeVersion ? { nodeVersion } : {}), ...gateways });
    void this.beat();
    return connection;
  }

  /** A node's socket closed: unless a newer socket took over, its chunks go back to the queue. */
  async closed(connection: NodeConnection): Promise<void> {
    connection.closed = true;
    if (this.connections.get(connection.nodeId) !== connection) return;
    this.connections.delete(connection.nodeId);
    this.sessions?.nodeClosed({ nodeId: connection.nodeId, connection: connection.connection });
    await Promise.all([this.release(connection.nodeId), this.leave(connection)]);
  }

  attachSessions(sink: SessionSink): void {
    this.sessions = sink;
  }

  sessionMessage(nodeId: string, message: NodeSessionMessage): void {
    const c = this.connections.get(nodeId);
    if (c) this.sessions?.fromNode({ nodeId, connection: c.connection }, message);
  }

  /** Connected nodes that run Python inside an OS sandbox (or were allowed to without one). */
  eligible(): SessionNode[] {
    return [...this.connections.values()].filter((c) => !c.closed && c.runtimes.includes("python") && c.sandbox !== "wasi-only");
  }

  /** The node's socket here, if it is still this connection of it. */
  local(holder: SessionHolder): SessionNode | undefined {
    const c = this.connections.get(holder.nodeId);
    return c && !c.closed && c.connection === holder.connection ? c : undefined;
  }

  async releaseOrphans(nodeId: string): Promise<void> {
    if (!this.connections.has(nodeId)) await this.release(nodeId);
  }

  status(nodeId: string): NodeStatus | undefined {
    const c = this.connections.get(nodeId);
    return c && statusOf(this.presenceOf(c));
  }

  /** These nodes' status on whichever gateway holds them: this gateway's own as they are now, the others' as last heartbeated. */
  async statuses(nodeIds: string[]): Promise<Record<string, NodeStatus>> {
    const here = Object.fromEntries(nodeIds.flatMap((id) => (this.status(id) ? [[id, this.status(id)!]] : [])));
    const elsewhere = nodeIds.filter((id) => !here[id]);
    if (elsewhere.length === 0) return here;
    try {
      const { presence } = await call(this.bus, subjects.nodePresence, { nodeIds: elsewhere });
      return { ...Object.fromEntries(Object.entries(presence).map(([id, p]) => [id, statusOf(p)])), ...here };
    } catch (err) {
      this.log.warn("shared node presence unreadable; showing this gateway's nodes only", errorFields(err));
      return here;
    }
  }

  get size(): number {
    return this.connections.size;
  }

  /** Connected nodes that have said hello: their runtimes are known, so chunks and sessions can be placed on them. */
  get greeted(): number {
    return [...this.connections.values()].filter((c) => !c.closed && c.runtimes.length > 0).length;
  }

  /** The job's program: as a new job's chunks were announced with it, else asked for once and kept. */
  program(jobId: string): Promise<JobProgram> {
    return this.programs.get(jobId) ?? this.remember(jobId, call(this.bus, subjects.jobProgram, { jobId }).then(withAffinity));
  }

  private remember(jobId: string, program: Promise<JobProgram>): Promise<JobProgram> {
    if (!this.programs.has(jobId) && this.programs.size >= this.programCacheSize) this.programs.delete(this.programs.keys().next().value!);
    program.catch(() => this.programs.delete(jobId));
    this.programs.set(jobId, program);
    return program;
  }

  chunkItems(job: { jobId: string; owner: string }, input: ChunkInput): Promise<unknown[]> {
    return chunkItems({ bus: this.bus, blobs: this.blobs }, job, input);
  }

  /** Closes every node socket and puts their chunks back; the gateway is stopping. */
  async close(): Promise<void> {
    clearInterval(this.ticker);
    clearInterval(this.heartbeat);
    clearInterval(this.renewer);
    for (const l of this.listeners) l.subscription.unsubscribe();
    const open = [...this.connections.values()];
    this.connections.clear();
    for (const c of open) c.close(1001, "gateway is stopping");
    await Promise.all(open.flatMap((c) => [this.release(c.nodeId), this.leave(c)]));
  }

  /** Tells the shared presence which nodes this gateway holds; the answer lists the gateways alive. */
  private async beat(): Promise<void> {
    const nodes = [...this.connections.values()].filter((c) => !c.closed).map((c) => this.presenceOf(c));
    try {
      ({ gateways: this.gateways } = await call(this.bus, subjects.presenceHeartbeat, { gateway: this.gatewayId, nodes, ...(this.publicUrl ? { url: this.publicUrl } : {}) }));
      if (this.beatFailing) this.log.info("node presence heartbeats go through again");
      this.beatFailing = false;
    } catch (err) {
      if (!this.beatFailing) this.log.warn("node presence heartbeat failed; other gateways may show this gateway's nodes offline", errorFields(err));
      this.beatFailing = true;
    }
  }

  /** Renews the leases of every chunk this gateway's nodes hold, a bus request per 1,000; one pass at a time (a slow bus must not pile them up). A failure is told once; the next pass tries again. */
  private async renew(): Promise<void> {
    if (this.renewing) return;
    this.renewing = true;
    const held = [...this.connections.values()].flatMap((c) => c.heldLeases());
    try {
      for (let i = 0; i < held.length; i += 1_000) await call(this.bus, subjects.renewLeases, { leases: held.slice(i, i + 1_000) });
      if (this.renewFailing) this.log.info("lease renewals go through again");
      this.renewFailing = false;
    } catch (err) {
      if (!this.renewFailing) this.log.warn("renewing the leases of this gateway's nodes failed; they run out unless a renewal gets through", errorFields(err));
      this.renewFailing = true;
    } finally {
      this.renewing = false;
    }
  }

  private async leave(c: NodeConnection): Promise<void> {
    await call(this.bus, subjects.presenceLeave, { nodeId: c.nodeId, connection: c.connection }).catch((err) => this.log.info("could not mark a node's socket gone; its presence will expire", { nodeId: c.nodeId, ...errorFields(err) }));
  }

  private presenceOf(c: NodeConnection): NodePresence {
    return { nodeId: c.nodeId, gateway: this.gatewayId, connection: c.connection, since: c.since, chunksDone: c.chunksDone, ...(c.sandbox ? { sandbox: c.sandbox } : {}), ...(c.slots ? { slots: c.slots } : {}) };
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
      if (requeued > 0) this.log.info("chunks a node held put back", { nodeId, requeued });
    } catch (err) {
      this.log.warn("releasing a node's leases failed; they will expire instead", { nodeId, ...errorFields(err) });
    }
  }
}

const withAffinity = (p: Omit<JobProgram, "affinity">): JobProgram => ({ owner: p.owner, program: p.program, timeoutMs: p.timeoutMs, affinity: sha256Hex(`${p.owner}\n${JSON.stringify(p.program)}`) });
const statusOf = (p: NodePresence): NodeStatus => ({ state: "online", since: new Date(p.since).toISOString(), chunksDone: p.chunksDone, sandbox: p.sandbox, slots: p.slots });
