import { z } from "zod";
import { SandboxLevel } from "./node-protocol.ts";

/**
 * Which gateway each connected node is on, shared by every gateway: each
 * one heartbeats its nodes into the store (through the scheduler) every
 * PRESENCE_HEARTBEAT_MS, so any gateway answers `GET /v1/nodes` alike, and a
 * gateway that dies stops heartbeating: its nodes' presence expires within
 * the presence TTL and the scheduler hands their chunks back.
 */
export const PRESENCE_HEARTBEAT_MS = 1_000;

export const NodePresence = z.object({
  nodeId: z.string(),
  /** The gateway process holding the node's socket. */
  gateway: z.string(),
  /** That socket: a node that reconnects elsewhere gets a new one, and the old one's leaving is ignored. */
  connection: z.string(),
  /** Epoch ms the socket opened. */
  since: z.number(),
  chunksDone: z.number().int().min(0),
  sandbox: SandboxLevel.optional(),
  slots: z.number().int().optional(),
});
export type NodePresence = z.infer<typeof NodePresence>;

/** A gateway's heartbeat: its nodes, and the URL nodes reach it by (when it knows one) for the list it hands out. */
export const PresenceHeartbeat = z.object({
  gateway: z.string(),
  url: z.url().optional(),
  nodes: z.array(NodePresence).max(100_000),
});
export type PresenceHeartbeat = z.infer<typeof PresenceHeartbeat>;
