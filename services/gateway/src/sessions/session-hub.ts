import { call, holdKey, MedusaError, newId, notFound, subjects, type BlobStore, type Bus, type NodeSessionMessage, type SessionSpec, type SettlementQueue } from "@medusa/core";
import type { Log } from "../http/types.ts";
import type { PackagePinner } from "../packages/package-pinner.ts";
import { Session, type SessionNode } from "./session.ts";
import { SessionBilling } from "./session-billing.ts";
import { partition, sessionItems } from "./session-input.ts";

/** The nodes a session hub may place partitions on: this gateway's connected nodes. */
export interface SessionNodeSource {
  eligible(): SessionNode[];
  node(nodeId: string): SessionNode | undefined;
}

export interface SessionHubOptions {
  bus: Bus;
  blobs: BlobStore;
  log: Log;
  settlements: SettlementQueue;
  nodes: SessionNodeSource;
  /** Credits per partition per round when a session names no price. */
  pricePerRound?: number;
  packages: PackagePinner;
}

/**
 * The sessions this gateway hosts. A session lives where it was created: its
 * partitions go to nodes connected here, and its WebSocket must reach this
 * gateway (one gateway, or sticky routing by session id, in a deployment).
 */
export class SessionHub {
  private readonly sessions = new Map<string, Session>();
  private readonly billing: SessionBilling;
  private nextPick = 0;

  constructor(private readonly opts: SessionHubOptions) {
    this.billing = new SessionBilling(opts.settlements, opts.log);
  }

  async create(owner: string, spec: SessionSpec): Promise<Session> {
    const items = await sessionItems(owner, spec.input, this.opts.blobs);
    if (items.length < spec.partitions) throw new MedusaError("invalid_field", `partitions: ${spec.partitions} partitions need at least as many items; the input has ${items.length}`, { field: "partitions" });
    const packages = await this.opts.packages.pin(owner, spec);
    if (this.opts.nodes.eligible().length === 0) throw new MedusaError("unavailable", "no node that runs Python sessions is connected; try again when one is online", undefined, { expose: true });
    const id = newId("ses");
    const price = spec.pricePerRound ?? this.opts.pricePerRound ?? 1;
    const held = spec.maxCredits ?? price * spec.partitions * 1000;
    if (held > 0) await call(this.opts.bus, subjects.holdCredits, { key: holdKey(id), owner, jobId: id, amount: held });
    const program = packages ? { ...spec.program, packages } : spec.program;
    const session = new Session(id, owner, { ...spec, program }, partition(items, spec.partitions), price, held, {
      pickNodes: (count, exclude) => this.pick(count, exclude),
      node: (nodeId) => this.opts.nodes.node(nodeId),
      paid: (round, p, nodeId) => this.billing.payout(id, round, p, nodeId, price),
      ended: (s) => {
        this.billing.refund(s.id, s.owner, s.held - s.spent);
        // Kept a while so its status can still be read, then forgotten.
        setTimeout(() => this.sessions.delete(s.id), 10 * 60_000).unref();
      },
    });
    this.sessions.set(id, session);
    session.start();
    return session;
  }

  /** The owner's session, or not_found (also for another account's session). */
  get(id: string, owner: string): Session {
    const s = this.sessions.get(id);
    if (!s || s.owner !== owner) throw notFound(`session ${id}`);
    return s;
  }

  onNodeMessage(nodeId: string, message: NodeSessionMessage): void {
    const s = this.sessions.get(message.sessionId);
    if (!s) return;
    if (message.type === "session_ready") s.onReady(nodeId, message.partitions);
    else if (message.type === "session_partials") s.onPartials(nodeId, message.round, message.partials);
    else s.onNodeError(nodeId, `node ${nodeId}: ${message.message}`);
  }

  nodeLost(nodeId: string): void {
    for (const s of this.sessions.values()) s.nodeLost(nodeId);
  }

  /** Ends every session (their escrow is refunded) and publishes what is owed. */
  async close(): Promise<void> {
    for (const s of this.sessions.values()) s.end("the gateway is stopping");
    this.sessions.clear();
    await this.billing.close();
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
