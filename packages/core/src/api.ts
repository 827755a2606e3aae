import { z } from "zod";
import { ActivationCodeInput } from "./activation-code.ts";
import { JobInput } from "./input/job-input.ts";
import { limits } from "./limits.ts";
import { PackageName } from "./packages.ts";
import { Program } from "./program.ts";

/** Public API v1 bodies (DESIGN.md). Every route parses with these. */

export const CreateAccountBody = z.object({
  email: z.string().trim().toLowerCase().pipe(z.email("email is not a valid address")),
  password: z.string().min(8, "password must be at least 8 characters").max(limits.passwordChars),
});
export type CreateAccountBody = z.infer<typeof CreateAccountBody>;

export const LoginBody = z.object({ email: z.string().trim().toLowerCase(), password: z.string().max(limits.passwordChars) });
export type LoginBody = z.infer<typeof LoginBody>;

export const Credits = z.object({ available: z.number(), held: z.number() });
/** `confirmed`: its email address is confirmed (the starter grant follows; paid work needs it). */
export const Account = z.object({ id: z.string(), email: z.string(), confirmed: z.boolean(), credits: Credits });
export type Account = z.infer<typeof Account>;
/** What an account stores, against its quota: finished files and unfinished uploads (which count too). */
export const StorageUse = z.object({
  files: z.number().int(),
  fileBytes: z.number().int(),
  pendingUploads: z.number().int(),
  pendingBytes: z.number().int(),
  usedBytes: z.number().int(),
  quotaBytes: z.number().int(),
});
export type StorageUse = z.infer<typeof StorageUse>;
/** `GET /v1/me`: the account, and its storage. */
export const Me = Account.extend({ storage: StorageUse });
export type Me = z.infer<typeof Me>;
/** An account that must confirm its email holds no credits until it does: `credits` is 0 and `confirmed` false. */
export const CreatedAccount = z.object({ id: z.string(), email: z.string(), apiKey: z.string(), credits: z.number(), confirmed: z.boolean() });
export type CreatedAccount = z.infer<typeof CreatedAccount>;
export const LoginToken = z.object({ token: z.string(), expiresAt: z.string() });
export type LoginToken = z.infer<typeof LoginToken>;

/**
 * How many distinct nodes run each chunk: 1–5, or "auto" (adaptive
 * replication: a node with a long clean record runs a chunk alone, spot-checked
 * now and then; anyone else's result needs a second, agreeing one).
 */
export const Replicas = z.union([z.number().int().min(1).max(5), z.literal("auto")], { error: 'replicas must be a whole number from 1 to 5, or "auto"' });
export type Replicas = z.infer<typeof Replicas>;

/**
 * Packages a Python program imports: names in the gateway's package mirror
 * (dependencies come along), and pure-Python wheels among the caller's files.
 */
export const PackageRequest = z.object({
  packages: z.array(PackageName).max(limits.namedPackages, `at most ${limits.namedPackages} packages`).optional(),
  wheels: z.array(z.string().min(1)).max(limits.namedWheels, `at most ${limits.namedWheels} wheels`).optional(),
});
export type PackageRequest = z.infer<typeof PackageRequest>;

export const JobSpec = z
  .object({
    name: z.string().max(limits.nameChars).default("job"),
    program: Program,
    input: JobInput,
    chunkSize: z.number().int().min(1).max(limits.chunkSize).default(100),
    replicas: Replicas.default(1),
    /** How many replicas must return the same result for it to be accepted; default a majority. */
    quorum: z.number().int().min(1).max(5).optional(),
    timeoutMs: z.number().int().min(100).max(3_600_000).default(60_000),
    maxAttempts: z.number().int().min(1).max(10).default(3),
    /** Only nodes with at least this many validated (agreeing) results run this job's chunks; chunks wait for such a node. */
    minReputation: z.number().int().min(0).max(1_000_000).optional(),
    /** Paid to a node for each accepted chunk result; the scheduler's default when absent. */
    pricePerChunk: z.number().int().min(0).max(1_000_000).optional(),
    /** The most this job may cost; absent, the worst case itself is the budget. */
    maxCredits: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
    ...PackageRequest.shape,
  })
  .superRefine((spec, ctx) => {
    for (const field of ["packages", "wheels"] as const) {
      if (spec[field]?.length && spec.program.runtime !== "python") ctx.addIssue({ code: "custom", path: [field], message: "only a Python program loads packages" });
    }
    if (spec.quorum === undefined) return;
    if (spec.replicas === "auto") ctx.addIssue({ code: "custom", path: ["quorum"], message: 'quorum is fixed at 2 with replicas "auto"' });
    else if (spec.quorum > spec.replicas) ctx.addIssue({ code: "custom", path: ["quorum"], message: `quorum must be at most replicas (${spec.replicas})` });
  });
export type JobSpec = z.infer<typeof JobSpec>;

/** The quorum a spec asks for: as given, else a majority of its replicas ("auto" replicates in pairs). */
export function quorumOf(spec: { replicas: Replicas; quorum?: number | undefined }): number {
  if (spec.replicas === "auto") return 2;
  return spec.quorum ?? Math.floor(spec.replicas / 2) + 1;
}

/** Replicas paid for at most per chunk, what the escrow holds for: "auto" counts as a pair. */
export const replicasBudgeted = (replicas: Replicas): number => (replicas === "auto" ? 2 : replicas);

export const JobState = z.enum(["queued", "running", "done", "failed", "cancelled"]);
export type JobState = z.infer<typeof JobState>;
export const isFinal = (s: JobState) => s === "done" || s === "failed" || s === "cancelled";

export const ChunkCounts = z.object({
  total: z.number().int(),
  done: z.number().int(),
  running: z.number().int(),
  failed: z.number().int(),
});
export type ChunkCounts = z.infer<typeof ChunkCounts>;

export const JobStatus = z.object({
  id: z.string(),
  name: z.string(),
  state: JobState,
  chunks: ChunkCounts,
  /** False while the splitter is still producing chunks: `chunks.total` may still grow. */
  sealed: z.boolean(),
  items: z.number().int(),
  credits: z.object({ held: z.number(), spent: z.number() }),
  createdAt: z.string(),
  finishedAt: z.string().optional(),
  error: z.string().optional(),
});
export type JobStatus = z.infer<typeof JobStatus>;

/**
 * `POST /v1/jobs?wait=`'s answer for a job that ended within the wait: its
 * status and what `GET /v1/jobs/{id}/results` would answer, as JSON, when
 * that fits one answer (see the route's description in http-api/jobs.ts).
 */
export const JobRun = JobStatus.extend({
  results: z.array(z.unknown()).optional().describe("done: one result per input item, in input order; failed: what finished, with {error, chunk} in place of each chunk that did not. Absent for a cancelled job, a done job with a reduce, and results too big for one answer (read those from GET /v1/jobs/{id}/results)"),
  reduce: z.unknown().optional().describe("a done job with a reduce: the value it returned"),
});
export type JobRun = z.infer<typeof JobRun>;

/** A page of `GET /v1/jobs`, newest first; `next` is the `before` of the following page, null after the last. */
export const JobsPage = z.object({ jobs: z.array(JobStatus), next: z.string().nullable() });
export type JobsPage = z.infer<typeof JobsPage>;

export const Pricing = z.object({ pricePerChunk: z.number().int(), starterCredits: z.number().int() });
export type Pricing = z.infer<typeof Pricing>;

/**
 * What a job would cost (`POST /v1/jobs/quote`), priced by the scheduler as
 * it prices a job it accepts: the worst case is chunks × replicas × price,
 * and the escrow holds the worst case capped at maxCredits.
 */
export const JobQuote = z.object({
  /** Map chunks, plus the reduce chunk when the program defines `reduce`. For a file input, an upper bound from its size. */
  chunks: z.number().int(),
  /** False when `chunks` is an upper bound (a file is bounded before it is read). */
  exact: z.boolean(),
  /** Whether `chunks` counts a reduce chunk. */
  reduce: z.boolean(),
  /** Replicas paid for per chunk: `"auto"` counts as 2. */
  replicas: z.number().int(),
  pricePerChunk: z.number().int(),
  worstCase: z.number().int(),
  /** What submitting would move into the job's escrow. */
  held: z.number().int(),
  /** Why submitting would be refused (402) because of maxCredits; absent when it would not be. */
  refused: z.string().optional(),
});
export type JobQuote = z.infer<typeof JobQuote>;

export const RegisterNodeBody = z.object({ name: z.string().trim().min(1).max(100) });
export const RegisteredNode = z.object({ nodeId: z.string(), nodeToken: z.string() });
export type RegisteredNode = z.infer<typeof RegisteredNode>;
/** `POST /v1/nodes/activation-codes`: a code the node exchanges for its token (`POST /v1/nodes/activate`). */
export const NodeActivation = z.object({ code: z.string(), name: z.string(), expiresAt: z.string() });
export type NodeActivation = z.infer<typeof NodeActivation>;
export const ActivateNodeBody = z.object({ code: ActivationCodeInput });
export type ActivateNodeBody = z.infer<typeof ActivateNodeBody>;
/** What activation gives the node: its token, and its name and id to show. */
export const ActivatedNode = RegisteredNode.extend({ name: z.string() });
export type ActivatedNode = z.infer<typeof ActivatedNode>;
/**
 * A node's validated history: results that agreed or disagreed with a chunk's
 * accepted result (results accepted alone are never validated), and its run
 * of agreed results since the last disagreement, failure or expiry.
 */
export const NodeReputation = z.object({
  agreed: z.number().int().min(0),
  disagreed: z.number().int().min(0),
  streak: z.number().int().min(0),
  /** Results of this node accepted, replicated or alone: what grows its lease window. */
  accepted: z.number().int().min(0),
  /** Leases it let run out: each shrinks its lease window (see leaseWindow). */
  expired: z.number().int().min(0),
});
export type NodeReputation = z.infer<typeof NodeReputation>;

export const NodeSummary = z.object({
  nodeId: z.string(),
  name: z.string(),
  state: z.enum(["online", "offline"]),
  sandbox: z.string().optional(),
  chunksDone: z.number().int(),
  creditsEarned: z.number(),
  reputation: NodeReputation.optional(),
  createdAt: z.string(),
});
export type NodeSummary = z.infer<typeof NodeSummary>;

/** `GET /v1/nodes/me`: a node's own totals, for its local UI (a node token reads only its own). */
export const NodeTotals = NodeSummary.pick({ nodeId: true, name: true, chunksDone: true, creditsEarned: true, createdAt: true });
export type NodeTotals = z.infer<typeof NodeTotals>;

export const FileInfo = z.object({ path: z.string(), size: z.number().int(), sha256: z.string() });
export type FileInfo = z.infer<typeof FileInfo>;
