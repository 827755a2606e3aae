import { z } from "zod";
import { MAX_NAMED_PACKAGES, MAX_NAMED_WHEELS, PackageName } from "./packages.ts";
import { Program } from "./program.ts";

/** Public API v1 bodies (DESIGN.md). Every route parses with these. */

export const CreateAccountBody = z.object({
  email: z.string().trim().toLowerCase().pipe(z.email("email is not a valid address")),
  password: z.string().min(8, "password must be at least 8 characters").max(200),
});
export type CreateAccountBody = z.infer<typeof CreateAccountBody>;

export const LoginBody = z.object({ email: z.string().trim().toLowerCase(), password: z.string().max(200) });
export type LoginBody = z.infer<typeof LoginBody>;

export const Credits = z.object({ available: z.number(), held: z.number() });
export const Account = z.object({ id: z.string(), email: z.string(), credits: Credits });
export type Account = z.infer<typeof Account>;
export const CreatedAccount = z.object({ id: z.string(), email: z.string(), apiKey: z.string(), credits: z.number() });
export type CreatedAccount = z.infer<typeof CreatedAccount>;
export const LoginToken = z.object({ token: z.string(), expiresAt: z.string() });
export type LoginToken = z.infer<typeof LoginToken>;

export const MAX_RANGE_ITEMS = 1_000_000_000;
export const RangeInput = z
  .object({
    start: z.number().int().default(0),
    stop: z.number().int(),
    step: z.number().int().refine((s) => s !== 0, "step must not be 0").default(1),
  })
  .refine((r) => rangeLength(r) <= MAX_RANGE_ITEMS, `range has more than ${MAX_RANGE_ITEMS} items`);
export function rangeLength(r: { start: number; stop: number; step: number }): number {
  const n = Math.ceil((r.stop - r.start) / r.step);
  return Math.max(0, n);
}

export const FileFormat = z.enum(["lines", "jsonl", "json"]);
export type FileFormat = z.infer<typeof FileFormat>;

export const JobInput = z.union([
  z.object({ file: z.string().min(1), format: FileFormat.default("lines") }).strict(),
  z.object({ items: z.array(z.unknown()).max(1_000_000) }).strict(),
  z.object({ range: RangeInput }).strict(),
]);
export type JobInput = z.infer<typeof JobInput>;

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
  packages: z.array(PackageName).max(MAX_NAMED_PACKAGES, `at most ${MAX_NAMED_PACKAGES} packages`).optional(),
  wheels: z.array(z.string().min(1)).max(MAX_NAMED_WHEELS, `at most ${MAX_NAMED_WHEELS} wheels`).optional(),
});
export type PackageRequest = z.infer<typeof PackageRequest>;

export const JobSpec = z
  .object({
    name: z.string().max(200).default("job"),
    program: Program,
    input: JobInput,
    chunkSize: z.number().int().min(1).max(100_000).default(100),
    replicas: Replicas.default(1),
    /** How many replicas must return the same result for it to be accepted; default a majority. */
    quorum: z.number().int().min(1).max(5).optional(),
    timeoutMs: z.number().int().min(100).max(3_600_000).default(60_000),
    maxAttempts: z.number().int().min(1).max(10).default(3),
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

export const Pricing = z.object({ pricePerChunk: z.number().int(), starterCredits: z.number().int() });
export type Pricing = z.infer<typeof Pricing>;

export const RegisterNodeBody = z.object({ name: z.string().trim().min(1).max(100) });
export const RegisteredNode = z.object({ nodeId: z.string(), nodeToken: z.string() });
export type RegisteredNode = z.infer<typeof RegisteredNode>;
/**
 * A node's validated history: results that agreed or disagreed with a chunk's
 * accepted result (results accepted alone are never validated), and its run
 * of agreed results since the last disagreement, failure or expiry.
 */
export const NodeReputation = z.object({
  agreed: z.number().int().min(0),
  disagreed: z.number().int().min(0),
  streak: z.number().int().min(0),
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

export const FileInfo = z.object({ path: z.string(), size: z.number().int(), sha256: z.string() });
export type FileInfo = z.infer<typeof FileInfo>;
