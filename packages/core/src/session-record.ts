import { z } from "zod";
import { PinnedPythonProgram } from "./program.ts";
import { SessionRoundResult, SessionState } from "./session.ts";

/**
 * What of a session must outlive the gateway hosting it, kept in the chunk
 * store (see ports/session-store.ts). Its items are not here: they sit in
 * blobs (`sessionPartKey`), one per partition, read again when a partition
 * moves. The round in flight is not here either: a gateway that dies takes
 * it along, and the client sends it again to whichever gateway hosts next.
 */
export const SessionHolder = z.object({
  nodeId: z.string(),
  /** The node's socket when it set the partition up: a node that reconnected has dropped its partitions. */
  connection: z.string(),
});
export type SessionHolder = z.infer<typeof SessionHolder>;

export const SessionRecord = z.object({
  id: z.string(),
  owner: z.string(),
  name: z.string(),
  program: PinnedPythonProgram,
  timeoutMs: z.number().int(),
  idleTimeoutMs: z.number().int(),
  partitions: z.number().int().min(1),
  price: z.number().int().min(0),
  held: z.number().int().min(0),
  spent: z.number().int().min(0),
  state: SessionState,
  error: z.string().optional(),
  /** Rounds completed (and paid). */
  rounds: z.number().int().min(0),
  /** The last completed round's answer, so a client retrying it gets it again rather than running it twice. */
  last: SessionRoundResult.optional(),
  /** Per partition: the node set up with it, or null while it is (re)placed. */
  placement: z.array(SessionHolder.nullable()),
  /** The gateway running the session now, and until when its lease holds (epoch ms). */
  host: z.string(),
  hostUntil: z.number(),
  /** Epoch ms of creation and of the last completed round: the idle timeout counts from it. */
  createdAt: z.number(),
  activeAt: z.number(),
});
export type SessionRecord = z.infer<typeof SessionRecord>;

/** Where a partition's items live while the session does. */
export const sessionPartKey = (sessionId: string, partition: number) => `sessions/${sessionId}/part-${partition}.json`;
export const sessionPartsPrefix = (sessionId: string) => `sessions/${sessionId}/`;
