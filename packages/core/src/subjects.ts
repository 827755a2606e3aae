import { z } from "zod";
import { Account, CreatedAccount, CreateAccountBody, JobQuote, JobsPage, JobSpec, JobStatus, LoginBody, LoginToken, NodeReputation, NodeSummary, RegisteredNode } from "./api.ts";
import { NewChunk } from "./input/chunk-input.ts";
import { ChunkError, ChunkLease, ChunkRef, JobEvent } from "./job.ts";
import { CreditAmount, LedgerPage } from "./ledger.ts";
import { RunnableProgram } from "./program.ts";
import { defineEvent, defineRequest } from "./wire.ts";

/**
 * Every bus subject, declared once with its schemas: `medusa.<service>.<entity>.<verb>`.
 * Call sites use `call`/`serve`/`emit`/`listen` with these, never raw strings.
 */
const Owned = z.object({ owner: z.string() });
const OwnedJob = Owned.extend({ jobId: z.string() });
const Ok = z.object({ ok: z.literal(true) });
const Holder = ChunkRef.extend({ nodeId: z.string(), token: z.string() });
const Outcome = z.object({ outcome: z.enum(["accepted", "pending", "rejected", "stale", "job_final"]) });

export const PrincipalSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("account"), accountId: z.string() }),
  z.object({ kind: z.literal("node"), nodeId: z.string(), ownerId: z.string() }),
]);

export const subjects = {
  // credits: accounts, keys, nodes
  createAccount: defineRequest("medusa.credits.account.create", CreateAccountBody, CreatedAccount),
  login: defineRequest("medusa.credits.auth.login", LoginBody, LoginToken),
  verifyToken: defineRequest("medusa.credits.auth.verify", z.object({ token: z.string() }), z.object({ principal: PrincipalSchema.nullable() })),
  getAccount: defineRequest("medusa.credits.account.get", z.object({ accountId: z.string() }), Account),
  registerNode: defineRequest("medusa.credits.node.register", z.object({ ownerId: z.string(), name: z.string() }), RegisteredNode),
  listNodes: defineRequest("medusa.credits.node.list", z.object({ ownerId: z.string() }), z.object({ nodes: z.array(NodeSummary.omit({ state: true, sandbox: true })) })),

  // credits: ledger
  /** Moves `amount` from the owner into the job's escrow, or fails with payment_required. Idempotent by key. */
  holdCredits: defineRequest("medusa.credits.escrow.hold", z.object({ key: z.string(), owner: z.string(), jobId: z.string(), amount: CreditAmount }), Ok),
  ledgerPage: defineRequest("medusa.credits.ledger.list", z.object({ accountId: z.string(), before: z.number().int().optional(), limit: z.number().int().min(1).max(500) }), LedgerPage),
  /** Operators only (never routed from the gateway): creates credits for an account. */
  grantCredits: defineRequest("medusa.credits.grant.create", z.object({ email: z.string(), amount: CreditAmount.min(1), key: z.string() }), z.object({ accountId: z.string(), applied: z.boolean(), available: z.number() })),
  starterCredits: defineRequest("medusa.credits.config.starter", z.object({}), z.object({ starterCredits: z.number().int() })),

  // scheduler: jobs
  createJob: defineRequest("medusa.scheduler.job.create", Owned.extend({ spec: JobSpec }), JobStatus),
  /** What createJob would hold for `spec`, moving nothing; without an owner, only inputs that name no file. */
  quoteJob: defineRequest("medusa.scheduler.job.quote", z.object({ owner: z.string().optional(), spec: JobSpec }), JobQuote),
  getJob: defineRequest("medusa.scheduler.job.get", OwnedJob, JobStatus),
  listJobs: defineRequest("medusa.scheduler.job.list", Owned.extend({ limit: z.number().int().min(1).max(1000).default(100), before: z.string().optional() }), JobsPage),
  cancelJob: defineRequest("medusa.scheduler.job.cancel", OwnedJob, JobStatus),
  jobResults: defineRequest(
    "medusa.scheduler.job.results",
    OwnedJob.extend({ from: z.number().int().min(0), limit: z.number().int().min(1).max(10_000) }),
    z.object({
      state: z.string(),
      hasReduce: z.boolean(),
      /** Map chunks the job has (so far, while it is split). */
      total: z.number().int(),
      /** The done map chunks among [from, from + limit), in index order. */
      chunks: z.array(z.object({ index: z.number().int(), results: z.string() })),
      reduce: z.string().nullable(),
      /** Why the job failed, when it did. */
      error: z.string().optional(),
    }),
  ),
  jobEvents: defineRequest("medusa.scheduler.job.events", OwnedJob.extend({ after: z.number().int().min(0) }), z.object({ events: z.array(JobEvent) })),
  /** For gateways: the program to hand a node before its first chunk of a job (WASI bytes inline). */
  pricing: defineRequest("medusa.scheduler.pricing.get", z.object({}), z.object({ pricePerChunk: z.number().int() })),
  jobProgram: defineRequest("medusa.scheduler.job.program", z.object({ jobId: z.string() }), z.object({ owner: z.string(), program: RunnableProgram, timeoutMs: z.number().int() })),

  // scheduler: chunks (splitter → scheduler, gateway → scheduler)
  addChunks: defineRequest("medusa.scheduler.chunk.add", z.object({ jobId: z.string(), chunks: z.array(NewChunk) }), z.object({ accepted: z.boolean() })),
  sealJob: defineRequest("medusa.scheduler.job.seal", z.object({ jobId: z.string(), items: z.number().int().min(0) }), Ok),
  failJob: defineRequest("medusa.scheduler.job.fail", z.object({ jobId: z.string(), error: z.string() }), Ok),
  /** `owner` is the node's owner account: nodes of one owner never run replicas of the same chunk (unless the scheduler allows it for a private pool). */
  leaseChunks: defineRequest("medusa.scheduler.chunk.lease", z.object({ nodeId: z.string(), owner: z.string(), max: z.number().int().min(1).max(1000), runtimes: z.array(z.string()).optional() }), z.object({ leases: z.array(ChunkLease) })),
  completeChunk: defineRequest("medusa.scheduler.chunk.complete", Holder.extend({ results: z.string() }), Outcome),
  failChunk: defineRequest("medusa.scheduler.chunk.fail", Holder.extend({ error: ChunkError }), Outcome),
  nodeReputations: defineRequest("medusa.scheduler.node.reputation", z.object({ nodeIds: z.array(z.string()).max(1000) }), z.object({ reputations: z.record(z.string(), NodeReputation) })),
  releaseNode: defineRequest("medusa.scheduler.node.release", z.object({ nodeId: z.string() }), z.object({ requeued: z.number().int() })),

  // splitter
  splitJob: defineRequest("medusa.splitter.job.split", z.object({ jobId: z.string(), owner: z.string(), spec: JobSpec }), Ok),
} as const;

export const events = {
  /** Every event of one job, in id order. */
  jobEvent: defineEvent((jobId: string) => `medusa.job.events.${jobId}`, "medusa.job.events.*", JobEvent),
  /** New chunks were queued: gateways retry leasing for their idle nodes. */
  workAvailable: defineEvent(() => "medusa.scheduler.work.available", "medusa.scheduler.work.available", z.object({ chunks: z.number().int() })),
  /** A job ended early (cancelled or failed): gateways tell nodes to drop its chunks. */
  jobStopped: defineEvent(() => "medusa.scheduler.job.stopped", "medusa.scheduler.job.stopped", z.object({ jobId: z.string(), state: z.string() })),
} as const;
