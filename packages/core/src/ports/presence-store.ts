import type { NodePresence } from "../presence.ts";

/**
 * Node presence in the shared store (Redis, or SQLite embedded). Each
 * record lives until its `expiresAt` unless heartbeated again.
 */
export interface PresenceStore {
  /** Records (or refreshes) these nodes, and the gateway's URL when given, until `expiresAt`. */
  heartbeat(nodes: NodePresence[], expiresAt: number, gatewayUrl?: string): Promise<void>;
  /** The node's socket `connection` closed; a newer connection (on any gateway) is left alone. */
  leave(nodeId: string, connection: string): Promise<void>;
  /** The live presence of these nodes at `now`, by node id (absent: offline). */
  get(nodeIds: string[], now: number): Promise<Record<string, NodePresence>>;
  /** Takes out, at most `max` at a time, presence that expired by `now`: nodes whose gateway stopped heartbeating. */
  expire(now: number, max: number): Promise<NodePresence[]>;
  /** URLs of the gateways that heartbeated a URL and are still alive at `now`, sorted. */
  gatewayUrls(now: number): Promise<string[]>;
  close(): Promise<void>;
}
