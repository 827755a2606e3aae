import { call, errorFields, holdKey, MedusaError, newId, serve, sessionPartKey, sessionPartsPrefix, sessionSubjects, subjects, hostRound, type BlobStore, type Bus, type NodeSessionMessage, type Served, type SessionHolder, type SessionRecord, type SessionRoundResult, type SessionSpec, type SessionStatus, type SessionWrite } from "@medusa/core";
import type { Log } from "../http/types.ts";
import type { PackagePinner } from "../packages/package-pinner.ts";
import { SessionClients } from "./session-clients.ts";
import { partition, sessionItems } from "./session-input.ts";
import { Session, type HostedSessionSpec, type SessionNode } from "./session.ts";
import { SessionRouter, type HostedSessions, type LocalNodes } from "./session-router.ts";

/** The nodes a session hub may place partitions on (this gateway's), and its sockets by connection. */
export interface SessionNodeSource extends LocalNodes {
  eligible(): SessionNode[];
}

export interface SessionHubOptions {
  bus: Bus;
  blobs: BlobStore;
  log: Log;
  nodes: SessionNodeSource;
  /** This gateway process (the presence's id for it). */
  gatewayId: string;
  /** Credits per partition per round when a session names no price. */
  pricePerRound?: number;
  packages: PackagePinner;
  /** How long a host's lease on a session lasts unrenewed: a dead gateway's sessions are taken over this long after (default 5 s). */
  hostLeaseMs?: number;
}

const TICK_MS = 1_000;

/**
 * The sessions this gateway hosts. A session's durable state is in the
 * store (through the scheduler); its host, one gateway at a time, holds a
 * renewed lease on it, runs its rounds, and reaches its nodes through the
 * router. A host that dies stops renewing: once the lease runs out, a
 * gateway with nodes takes the session over (its orphan sweep, or a client
 * asking it) from the last completed round, placing again the partitions
 * whose nodes went with the dead gateway.
 */
export class SessionHub implements HostedSessions {
  readonly clients: SessionClients;
  readonly hostLeaseMs: number;
  private readonly hosted = new Map<string, Session>();
  private readonly writes = new Map<string, Promise<unknown>>();
  private readonly router: SessionRouter;
  private readonly served: Served;
  private readonly ticker: ReturnType<typeof setInterval>;
  private nextPick = 0;
  private closed = false;

  constructor(private readonly opts: SessionHubOptions) {
    this.hostLeaseMs = opts.hostLeaseMs ?? 5_000;
    this.router = new SessionRouter(opts.bus, opts.nodes, this, opts.log);
    this.clients = new SessionClients(opts.bus, (id) => this.hosted.has(id), opts.log);
    this.served = serve(opts.bus, hostRound(opts.gatewayId), async ({ sessionId, round, params, stream }) => {
      const s = this.hosted.get(sessionId);
      if (!s) throw new MedusaError("unavailable", "this gateway does not host the session now");
      const refused = s.request(round, params, stream);
      return refused === null ? {} : { refused };
    });
    this.ticker = setInterval(() => void this.tick(), TICK_MS);
  }

  get gatewayId(): string {
    return this.opts.gatewayId;
  }

  async create(owner: string, spec: SessionSpec): Promise<SessionStatus> {
    const items = await sessionItems(owner, spec.input, this.opts.blobs);
    if (items.length < spec.partitions) throw new MedusaError("invalid_field", `partitions: ${spec.partitions} partitions need at least as many items; the input has ${items.length}`, { field: "partitions" });
    const packages = await this.opts.packages.pin(owner, spec);
    if (this.opts.nodes.eligible().length === 0) throw noNode();
    const id = newId("ses");
    const price = spec.pricePerRound ?? this.opts.pricePerRound ?? 1;
    const held = spec.maxCredits ?? price * spec.partitions * 1000;
    const program = packages ? { ...spec.program, packages } : spec.program;
    const parts = partition(items, spec.partitions);
    await Promise.all(parts.map((part, p) => this.opts.blobs.put(sessionPartKey(id, p), JSON.stringify(part))));
    if (held > 0) await call(this.opts.bus, subjects.holdCredits, { key: holdKey(id), owner, jobId: id, amount: held });
    const now = Date.now();
    const record: SessionRecord = {
      id, owner, name: spec.name, program, timeoutMs: spec.timeoutMs, idleTimeoutMs: spec.idleTimeoutMs, partitions: spec.partitions, price, held, spent: 0,
      state: "starting", rounds: 0, placement: parts.map(() => null), host: this.gatewayId, hostUntil: now + this.hostLeaseMs, createdAt: now, activeAt: now,
    };
    await call(this.opts.bus, sessionSubjects.create, { record });
    const session = this.host(record, parts);
    session.start();
    return session.status();
  }

  hosts(sessionId: string): boolean {
    return this.hosted.has(sessionId);
  }

  hostedSession(sessionId: string): Session | undefined {
    return this.hosted.get(sessionId);
  }

  /** Whether this gateway could run a session taken over: it has nodes to place partitions on. */
  canHost(): boolean {
    return !this.closed && this.opts.nodes.eligible().length > 0;
  }

  onNodeMessage(nodeId: string, message: NodeSessionMessage): void {
    const s = this.hosted.get(message.sessionId);
    if (!s) return;
    if (message.type === "session_ready") s.onReady(nodeId, message.partitions);
    else if (message.type === "session_partials") s.onPartials(nodeId, message.round, message.partials);
    else s.onNodeError(nodeId, `node ${nodeId}: ${message.message}`);
  }

  /** Node frames from a node connected here, to its session's host. */
  fromNode(holder: SessionHolder, message: NodeSessionMessage): void {
    this.router.fromNode(holder, message);
  }

  /** A node's socket here closed: told to every gateway, so the hosts of its partitions move them. */
  nodeClosed(holder: SessionHolder): void {
    this.router.nodeClosed(holder);
  }

  nodeLost(nodeId: string, connection: string): void {
    for (const s of this.hosted.values()) s.nodeLost(nodeId, connection);
  }

  /** Takes the session over when its host's lease ran out; true when it is hosted here now. */
  async adopt(id: string): Promise<boolean> {
    if (this.hosted.has(id)) return true;
    if (!this.canHost()) return false;
    const { record } = await call(this.opts.bus, sessionSubjects.host, { id, gateway: this.gatewayId, leaseMs: this.hostLeaseMs });
    if (!record || this.hosted.has(id)) return this.hosted.has(id);
    const parts = await Promise.all(Array.from({ length: record.partitions }, async (_, p) => JSON.parse(new TextDecoder().decode((await this.opts.blobs.bytes(sessionPartKey(id, p))) ?? new Uint8Array())) as unknown[]));
    const alive = await this.alive(record.placement.filter((h): h is SessionHolder => h !== null));
    const placement = record.placement.map((h) => (h && alive.has(key(h)) ? h : null));
    const session = this.host(record, parts);
    session.resume({ state: record.state, rounds: record.rounds, spent: record.spent, createdAt: record.createdAt, placement, idleMs: record.idleTimeoutMs - (Date.now() - record.activeAt) });
    const moved = placement.filter((h) => !h).length;
    this.opts.log.info("session taken over from a gateway that stopped renewing it", { sessionId: id, from: record.host, rounds: record.rounds, moved, nodes: session.holders().map((h) => h.nodeId).join(" "), state: session.state });
    return true;
  }

  /** Stops hosting: each session's lease is cut short so another gateway takes it over at once; none is ended. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.ticker);
    this.served.subscription.unsubscribe();
    const handed = [...this.hosted.values()];
    this.hosted.clear();
    await Promise.all(this.writes.values());
    await Promise.all(handed.map((s) => call(this.opts.bus, sessionSubjects.host, { id: s.id, gateway: this.gatewayId, leaseMs: 100 }).catch(() => {})));
    this.router.close();
    this.clients.close();
  }

  private host(record: SessionRecord, parts: unknown[][]): Session {
    const spec = { name: record.name, program: record.program, timeoutMs: record.timeoutMs, idleTimeoutMs: record.idleTimeoutMs, partitions: record.partitions } as HostedSessionSpec;
    const session = new Session(record.id, record.owner, spec, parts, record.price, record.held, {
      pickNodes: (count, exclude) => this.pick(count, exclude),
      send: (holder, message) => this.router.toNode(holder, message),
      placed: (placement, ready) => void this.write(session, () => call(this.opts.bus, sessionSubjects.place, { id: record.id, gateway: this.gatewayId, placement, ready })),
      completed: (result, holders) => this.complete(session, result, holders),
      ended: (s) => void this.end(s),
      lost: (s) => {
        if (this.hosted.get(s.id) === s) this.hosted.delete(s.id);
      },
    });
    session.createdAt = record.createdAt;
    session.clients.add((event) => this.clients.publish(record.id, event));
    this.hosted.set(record.id, session);
    return session;
  }

  /** The session's writes go out one after another, so a later placement never lands before an earlier one. */
  private write<T>(s: Session, send: () => Promise<T>): Promise<T | undefined> {
    const next = (this.writes.get(s.id) ?? Promise.resolve()).then(() => retrying(send, s.spec.timeoutMs)).then((r) => {
      if (r && typeof r === "object" && "write" in r && (r as { write: SessionWrite }).write === "not_host") s.drop();
      return r;
    }, (err) => {
      this.opts.log.warn("a session write failed", { sessionId: s.id, ...errorFields(err) });
      return undefined;
    });
    this.writes.set(s.id, next);
    void next.finally(() => this.writes.get(s.id) === next && this.writes.delete(s.id));
    return next;
  }

  private async complete(s: Session, result: SessionRoundResult, holders: string[]): Promise<SessionWrite> {
    const r = await this.write(s, () => call(this.opts.bus, sessionSubjects.round, { id: s.id, gateway: this.gatewayId, result, holders }));
    // Unrecorded (the store unreachable for a whole round's timeout): no one was paid; this host gives the session up.
    return r?.write ?? "not_host";
  }

  private async end(s: Session): Promise<void> {
    if (this.hosted.get(s.id) === s) this.hosted.delete(s.id);
    const state = s.state === "failed" ? "failed" : "ended";
    await this.write(s, () => call(this.opts.bus, sessionSubjects.end, { id: s.id, state, reason: s.reason.slice(0, 2000) }));
    await this.opts.blobs.deletePrefix(sessionPartsPrefix(s.id)).catch(() => 0);
  }

  /** Renews the leases of the sessions hosted here, moves partitions off nodes gone elsewhere, and takes over orphans. */
  private async tick(): Promise<void> {
    try {
      for (const s of [...this.hosted.values()]) {
        const { record } = await call(this.opts.bus, sessionSubjects.host, { id: s.id, gateway: this.gatewayId, leaseMs: this.hostLeaseMs });
        if (this.hosted.get(s.id) !== s) continue;
        if (!record) {
          const { record: now } = await call(this.opts.bus, sessionSubjects.get, { id: s.id });
          if (now && (now.state === "ended" || now.state === "failed")) s.end(now.error ?? "the session was ended");
          else s.drop();
          continue;
        }
        const remote = s.holders().filter((h) => !this.opts.nodes.local(h));
        if (remote.length === 0) continue;
        const alive = await this.alive(remote);
        for (const h of remote) if (!alive.has(key(h))) s.nodeLost(h.nodeId, h.connection);
      }
      if (!this.canHost()) return;
      const { ids } = await call(this.opts.bus, sessionSubjects.orphans, { limit: 100 });
      for (const id of ids) await this.adopt(id);
    } catch (err) {
      this.opts.log.warn("session hosting tick failed; retried in a second", errorFields(err));
    }
  }

  /** Which of these holders are still connected (somewhere) with the socket they set up on. */
  private async alive(holders: SessionHolder[]): Promise<Set<string>> {
    const here = holders.filter((h) => this.opts.nodes.local(h));
    const elsewhere = holders.filter((h) => !this.opts.nodes.local(h));
    const out = new Set(here.map(key));
    if (elsewhere.length === 0) return out;
    const { presence } = await call(this.opts.bus, subjects.nodePresence, { nodeIds: [...new Set(elsewhere.map((h) => h.nodeId))] });
    for (const h of elsewhere) if (presence[h.nodeId]?.connection === h.connection) out.add(key(h));
    return out;
  }

  /** Eligible nodes not excluded, rotated so partitions spread across nodes over time. */
  private pick(count: number, exclude: Set<string>): SessionNode[] {
    const nodes = this.opts.nodes.eligible().filter((n) => !exclude.has(n.nodeId));
    if (nodes.length === 0) return [];
    const start = this.nextPick++ % nodes.length;
    const rotated = [...nodes.slice(start), ...nodes.slice(0, start)];
    return rotated.slice(0, Math.min(count, rotated.length));
  }
}

const key = (h: SessionHolder) => `${h.nodeId} ${h.connection}`;
export const noNode = () => new MedusaError("unavailable", "no node that runs Python sessions is connected; try again when one is online", undefined, { expose: true });

/** A store write retried while the bus or the scheduler is unreachable, up to `withinMs`. */
async function retrying<T>(send: () => Promise<T>, withinMs: number): Promise<T> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    try {
      return await send();
    } catch (err) {
      const transient = err instanceof MedusaError && (err.code === "unavailable" || err.code === "timeout");
      if (!transient || Date.now() > deadline) throw err;
      await Bun.sleep(250);
    }
  }
}
