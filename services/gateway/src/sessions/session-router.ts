import { emit, errorFields, listen, NODE_PROTOCOL_VERSION, sessionEvents, type Bus, type GatewayMessageBody, type NodeSessionMessage, type Served, type SessionHolder } from "@medusa/core";
import type { Log } from "../http/types.ts";
import type { SessionNode } from "./session.ts";

/** This gateway's node sockets, as the router needs them. */
export interface LocalNodes {
  /** The node's open socket here, if it is this connection of it. */
  local(holder: SessionHolder): SessionNode | undefined;
}

/** What the router hands to the sessions this gateway hosts. */
export interface HostedSessions {
  hosts(sessionId: string): boolean;
  onNodeMessage(nodeId: string, message: NodeSessionMessage): void;
  nodeLost(nodeId: string, connection: string): void;
}

/**
 * Session traffic between a session's host and its partitions' nodes,
 * wherever each is connected: a frame for a node whose socket is here goes
 * straight to it, any other is broadcast on the bus and sent by the gateway
 * holding that socket (matched by connection, so a node that reconnected
 * meanwhile, its partitions dropped, gets nothing meant for the old socket).
 * A node's answers go to the host the same way. A broadcast rather than a
 * presence lookup per frame: a round costs one frame per node, and a
 * lookup would add a store round trip to each.
 */
export class SessionRouter {
  private readonly served: Served[];

  constructor(
    private readonly bus: Bus,
    private readonly nodes: LocalNodes,
    private readonly sessions: HostedSessions,
    log: Log,
  ) {
    const onError = (err: unknown) => log.warn("session router: bad frame skipped", errorFields(err));
    this.served = [
      listen(bus, sessionEvents.toNode, ({ nodeId, connection, message }) => {
        const { v: _v, ...body } = message;
        this.nodes.local({ nodeId, connection })?.send(body as GatewayMessageBody);
      }, { onError }),
      listen(bus, sessionEvents.fromNode, ({ nodeId, message }) => {
        if (this.sessions.hosts(message.sessionId)) this.sessions.onNodeMessage(nodeId, message);
      }, { onError }),
      listen(bus, sessionEvents.nodeLost, ({ nodeId, connection }) => this.sessions.nodeLost(nodeId, connection), { onError }),
    ];
  }

  toNode(holder: SessionHolder, message: GatewayMessageBody): void {
    const here = this.nodes.local(holder);
    if (here) return here.send(message);
    emit(this.bus, sessionEvents.toNode, { ...holder, message: { v: NODE_PROTOCOL_VERSION, ...message } as never });
  }

  /** A node connected here answered for a session: to its host, here or elsewhere. */
  fromNode(holder: SessionHolder, message: NodeSessionMessage): void {
    if (this.sessions.hosts(message.sessionId)) return this.sessions.onNodeMessage(holder.nodeId, message);
    emit(this.bus, sessionEvents.fromNode, { ...holder, message }, message.sessionId);
  }

  /** A node's socket here closed: every host with partitions on it moves them. */
  nodeClosed(holder: SessionHolder): void {
    emit(this.bus, sessionEvents.nodeLost, holder);
  }

  close(): void {
    for (const s of this.served) s.subscription.unsubscribe();
  }
}
