import { z } from "zod";
import { ChunkError } from "./job.ts";
import { limits } from "./limits.ts";
import { PinnedPythonProgram, RunnableProgram, Task } from "./program.ts";

/**
 * Messages on the node WebSocket (`/v1/nodes/ws`), one JSON object per frame,
 * each with `v`. The node asks for work with `want` (credit-based flow
 * control: it never holds more than it asked for) and reports at once.
 * When the socket closes, the gateway puts back every chunk the node still
 * held without counting it as a failed attempt. Session messages carry
 * rounds of iterative work to partitions a node keeps in memory.
 */
export const NODE_PROTOCOL_VERSION = 1;
const v = z.literal(NODE_PROTOCOL_VERSION);

/**
 * Why a parsed frame is of another protocol version (`side` speaks ours), or
 * null when it is ours. Checked before the frame's shape: a frame of another
 * version is refused as such, never read as one of ours.
 */
export function foreignVersion(frame: unknown, side: string): string | null {
  const version = (frame as { v?: unknown } | null)?.v;
  if (version === NODE_PROTOCOL_VERSION) return null;
  return `protocol version ${JSON.stringify(version) ?? "missing"} is not understood here (this ${side} speaks ${NODE_PROTOCOL_VERSION})`;
}

export const SandboxLevel = z.enum(["os-sandbox", "process", "wasi-only"]);
export type SandboxLevel = z.infer<typeof SandboxLevel>;

/**
 * A chunk as a node gets it: items resolved, so the node needs nothing else,
 * except for `binary` chunks, whose items are BinaryItem descriptions
 * (`{name, size, offset?}`): the node fetches item i's bytes with
 * `GET /v1/nodes/chunks/<jobId>/<index>/items/<i>` (its node token, and the
 * chunk's lease token in `x-medusa-lease`) before it runs the chunk.
 */
export const NodeChunk = z.object({
  jobId: z.string(),
  index: z.number().int(),
  token: z.string(),
  task: Task,
  items: z.array(z.unknown()),
  binary: z.literal(true).optional(),
});
export type NodeChunk = z.infer<typeof NodeChunk>;

export const NodeMessage = z.discriminatedUnion("type", [
  z.object({ v, type: z.literal("hello"), slots: z.number().int().min(1).max(256), sandbox: SandboxLevel, runtimes: z.array(z.string()), version: z.string() }),
  z.object({ v, type: z.literal("want"), n: z.number().int().min(0).max(1000) }),
  z.object({ v, type: z.literal("result"), jobId: z.string(), index: z.number().int(), token: z.string(), results: z.unknown() }),
  z.object({ v, type: z.literal("error"), jobId: z.string(), index: z.number().int(), token: z.string(), error: ChunkError }),
  // sessions: the node answers for the partitions it was given
  z.object({ v, type: z.literal("session_ready"), sessionId: z.string(), partitions: z.array(z.number().int()) }),
  z.object({ v, type: z.literal("session_partials"), sessionId: z.string(), round: z.number().int(), partials: z.array(z.object({ partition: z.number().int(), value: z.unknown() })) }),
  z.object({ v, type: z.literal("session_error"), sessionId: z.string(), round: z.number().int().optional(), message: z.string().max(limits.errorMessageChars) }),
]);
export type NodeMessage = z.infer<typeof NodeMessage>;

export const GatewayMessage = z.discriminatedUnion("type", [
  /**
   * `nodeVersion`: the node version this gateway offers for download; an older node says so to its volunteer.
   * `gateways`: the gateways alive now, http(s) URLs the node may fail over to.
   * `maxChunks`: the most chunks this gateway lets one node hold (asked for, queued and running), whatever its slots.
   */
  z.object({ v, type: z.literal("welcome"), nodeId: z.string(), nodeVersion: z.string().max(100).optional(), gateways: z.array(z.url()).max(50).optional(), maxChunks: z.number().int().min(1).optional() }),
  /**
   * `affinity` names the owner and program together: jobs with the same one
   * may take over each other's idle runner (program already loaded); jobs of
   * different owners never share a runner.
   */
  z.object({ v, type: z.literal("job"), jobId: z.string(), program: RunnableProgram, timeoutMs: z.number().int(), affinity: z.string().optional() }),
  z.object({ v, type: z.literal("chunk"), chunk: NodeChunk }),
  z.object({ v, type: z.literal("cancel"), jobId: z.string() }),
  /** `refused`: of a `want`, the chunks the gateway did not grant (past the node's cap); the node stops counting them as asked for. */
  z.object({ v, type: z.literal("error"), code: z.string(), message: z.string(), refused: z.number().int().min(0).optional() }),
  /** Runs `setup` for each partition in one runner kept for this session; answered by session_ready. */
  z.object({ v, type: z.literal("session_open"), sessionId: z.string(), program: PinnedPythonProgram, timeoutMs: z.number().int(), partitions: z.array(z.object({ partition: z.number().int(), items: z.array(z.unknown()) })) }),
  /** Runs `step` on every partition this node holds (or only `partitions`, when a replacement catches up). */
  z.object({ v, type: z.literal("session_round"), sessionId: z.string(), round: z.number().int(), params: z.unknown(), partitions: z.array(z.number().int()).optional() }),
  z.object({ v, type: z.literal("session_close"), sessionId: z.string() }),
]);
export type GatewayMessage = z.infer<typeof GatewayMessage>;

/** What the gateway sends, before `send` stamps it with `v`. */
export type GatewayMessageBody = GatewayMessage extends infer M ? (M extends { v: number } ? Omit<M, "v"> : never) : never;

/** The node's answers about the session partitions it holds. */
export type NodeSessionMessage = Extract<NodeMessage, { type: "session_ready" | "session_partials" | "session_error" }>;
