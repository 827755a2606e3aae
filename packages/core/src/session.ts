import { z } from "zod";
import { PackageRequest } from "./api.ts";
import { JobInput } from "./input/job-input.ts";
import { limits } from "./limits.ts";
import { PythonProgram } from "./program.ts";

/**
 * Sessions: iterative work with state pinned on nodes. The input is split
 * into `partitions`; each lives in memory on one node's runner, where
 * `setup(items)` ran once. A round sends `params` to every partition, runs
 * `step(state, params)`, and returns the partials in partition order.
 */
const defines = (name: string) => new RegExp(`^def\\s+${name}\\s*\\(`, "m");

export const SessionSpec = z.object({
  name: z.string().max(limits.nameChars).default("session"),
  program: PythonProgram.refine((p) => defines("setup").test(p.source) && defines("step").test(p.source), {
    message: "a session program must define setup(items) and step(state, params)",
  }),
  input: JobInput,
  partitions: z.number().int().min(1).max(256),
  /** Paid to a partition's node for each round it answers; the gateway's default when absent. */
  pricePerRound: z.number().int().min(0).max(1_000_000).optional(),
  /** Held in escrow at creation; rounds stop when it is spent. Default: 1000 rounds' worth. */
  maxCredits: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
  /** A round (setup included) that takes longer fails the session. */
  timeoutMs: z.number().int().min(100).max(600_000).default(60_000),
  /** With no round for this long the session ends and settles. */
  idleTimeoutMs: z.number().int().min(1_000).max(24 * 3600_000).default(300_000),
  ...PackageRequest.shape,
});
export type SessionSpec = z.infer<typeof SessionSpec>;

export const SessionState = z.enum(["starting", "ready", "ended", "failed"]);
export type SessionState = z.infer<typeof SessionState>;

export const SessionStatus = z.object({
  id: z.string(),
  name: z.string(),
  state: SessionState,
  partitions: z.number().int(),
  /** Rounds answered so far. */
  rounds: z.number().int(),
  credits: z.object({ held: z.number().int(), spent: z.number().int() }),
  createdAt: z.string(),
  error: z.string().optional(),
});
export type SessionStatus = z.infer<typeof SessionStatus>;

/** Client → gateway on the session WebSocket. `round` must be the next round number (1, 2, …). */
export const SessionRequest = z.object({
  round: z.number().int().min(1),
  params: z.unknown(),
  /** Also send each partial as it arrives. */
  stream: z.boolean().default(false),
});
export type SessionRequest = z.infer<typeof SessionRequest>;

/** `POST /v1/sessions/{id}/rounds`: one round over plain HTTP, answered when it completes. */
export const SessionRoundBody = SessionRequest.pick({ round: true, params: true });
export type SessionRoundBody = z.infer<typeof SessionRoundBody>;
export const SessionRoundResult = z.object({ round: z.number().int(), partials: z.array(z.unknown()), ms: z.number() });
export type SessionRoundResult = z.infer<typeof SessionRoundResult>;

/** Gateway → client on the session WebSocket. */
export const SessionEvent = z.discriminatedUnion("type", [
  z.object({ type: z.literal("ready"), partitions: z.number().int(), rounds: z.number().int() }),
  z.object({ type: z.literal("round"), round: z.number().int(), partials: z.array(z.unknown()), ms: z.number() }),
  z.object({ type: z.literal("partial"), round: z.number().int(), partition: z.number().int(), value: z.unknown() }),
  /** A partition's node left; the partition was set up again elsewhere and the round in flight is retried. */
  z.object({ type: z.literal("replaced"), partition: z.number().int(), nodeId: z.string() }),
  z.object({ type: z.literal("error"), round: z.number().int().optional(), code: z.string(), message: z.string() }),
  z.object({ type: z.literal("ended"), state: SessionState, reason: z.string() }),
]);
export type SessionEvent = z.infer<typeof SessionEvent>;
