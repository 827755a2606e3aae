import { z } from "zod";
import { GatewayMessage, NodeMessage } from "./node-protocol.ts";
import { SessionEvent, SessionRoundResult } from "./session.ts";
import { SessionHolder, SessionRecord } from "./session-record.ts";
import { defineEvent, defineRequest } from "./wire.ts";

const Ok = z.object({ ok: z.literal(true) });
const Write = z.object({ write: z.enum(["ok", "not_host", "final", "stale", "spent"]) });
const Maybe = z.object({ record: SessionRecord.nullable() });
const SessionFrame = GatewayMessage.options.filter((o) => o.shape.type.value.startsWith("session_"));
const NodeSessionFrame = NodeMessage.options.filter((o) => o.shape.type.value.startsWith("session_"));

/**
 * Sessions across gateways (see ports/session-store.ts): the scheduler keeps
 * their durable state; the gateway hosting a session runs its rounds and
 * reaches its partitions' nodes wherever they are connected; any other
 * gateway passes its clients' rounds on to the host and their events back.
 */
export const sessionSubjects = {
  create: defineRequest("scheduler.session.create", z.object({ record: SessionRecord }), Ok),
  get: defineRequest("scheduler.session.get", z.object({ id: z.string() }), Maybe),
  host: defineRequest("scheduler.session.host", z.object({ id: z.string(), gateway: z.string(), leaseMs: z.number().int().min(100) }), Maybe),
  orphans: defineRequest("scheduler.session.orphans", z.object({ limit: z.number().int().min(1).max(1000) }), z.object({ ids: z.array(z.string()) })),
  place: defineRequest("scheduler.session.place", z.object({ id: z.string(), gateway: z.string(), placement: z.array(SessionHolder.nullable()), ready: z.boolean().optional() }), Write),
  round: defineRequest("scheduler.session.round", z.object({ id: z.string(), gateway: z.string(), result: SessionRoundResult, holders: z.array(z.string()) }), Write),
  end: defineRequest("scheduler.session.end", z.object({ id: z.string(), state: z.enum(["ended", "failed"]), reason: z.string().max(2000) }), Maybe),
};

/** For the gateway `gateway`, hosting the session: a client on another gateway sent a round; `refused` says why it did not go out. */
export const hostRound = (gateway: string) =>
  defineRequest(`gateway.session.round.${gateway}`, z.object({ sessionId: z.string(), round: z.number().int().min(1), params: z.unknown(), stream: z.boolean() }), z.object({ refused: z.string().optional() }));

export const sessionEvents = {
  /** What the host tells the session's clients, on whichever gateway their socket is. */
  event: defineEvent((sessionId: string) => `session.events.${sessionId}`, "session.events.*", SessionEvent),
  /** A frame for a node, delivered by whichever gateway holds that socket. */
  toNode: defineEvent(() => "session.node.frame", "session.node.frame", z.object({ nodeId: z.string(), connection: z.string(), message: z.discriminatedUnion("type", SessionFrame as never) as z.ZodType<Extract<GatewayMessage, { type: `session_${string}` }>> })),
  /** A node's answer, for the session's host. */
  fromNode: defineEvent((sessionId: string) => `session.node.answer.${sessionId}`, "session.node.answer.*", z.object({ nodeId: z.string(), connection: z.string(), message: z.discriminatedUnion("type", NodeSessionFrame as never) as z.ZodType<Extract<NodeMessage, { type: `session_${string}` }>> })),
  /** A node's socket closed on some gateway: hosts move its partitions. */
  nodeLost: defineEvent(() => "session.node.lost", "session.node.lost", z.object({ nodeId: z.string(), connection: z.string() })),
};
