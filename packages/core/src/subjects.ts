import { z } from "zod";
import { Account, ActivatedNode, CreatedAccount, CreateAccountBody, JobQuote, JobsPage, JobSpec, JobStatus, LoginBody, LoginToken, NodeActivation, NodeReputation, NodeSummary, RegisteredNode } from "./api.ts";
import { ChunkInput, NewChunk } from "./input/chunk-input.ts";
import { ChunkError, ChunkLease, ChunkRef, JobEvent } from "./job.ts";
import { CreditAmount, LedgerPage } from "./ledger.ts";
import { PackageSet } from "./packages.ts";
import { NodePresence, PresenceHeartbeat } from "./presence.ts";
import { Principal } from "./principal.ts";
import { RunnableProgram } from "./program.ts";
import { limits } from "./limits.ts";
import { defineEvent, defineRequest } from "./wire.ts";

const Owned = z.object({ owner: z.string() });
const OwnedJob = Owned.extend({ jobId: z.string() });
const Ok = z.object({ ok: z.literal(true) });
const Holder = ChunkRef.extend({ nodeId: z.string(), token: z.string() });
const Outcome = z.object({ outcome: z.enum(["accepted", "pending", "rejected", "stale", "job_final"]) });

/**
 * Every bus subject, declared once with its schemas: `<service>.<entity>.<verb>`.
 * Names carry no deployment prefix: the bus puts MEDUSA_PREFIX (default
 * `medusa`) in front once, so `scheduler.job.create` travels as
 * `medusa.scheduler.job.create`. Call sites use `call`/`serve`/`emit`/`listen`
 * with these, never raw strings.
 */
export const subjects = {
  // credits: accounts, keys, nodes
  createAccount: defineRequest("credits.account.create", CreateAccountBody, CreatedAccount),
  login: defineRequest("credits.auth.login", LoginBody, LoginToken),
  /** `expiresAt` (ms): when a login token stops working, so a cache keeps it no longer; null for keys that do not expire. */
  verifyToken: defineRequest("credits.auth.verify", z.object({ token: z.string() }), z.object({ principal: Principal.nullable(), expiresAt: z.number().nullable().optional() })),
  /** An account's email with its password or one of its API keys (FTP logins): the account, or null for a wrong pair. */
  verifyCredentials: defineRequest("credits.auth.credentials", z.object({ email: z.string().max(320), secret: z.string().max(1024) }), z.object({ accountId: z.string().nullable() })),
  getAccount: defineRequest("credits.account.get", z.object({ accountId: z.string() }), Account),
  /** The token of an account's confirmation link: confirms it (once) and grants the starter credits (once). */
  confirmAccount: defineRequest("credits.account.confirm", z.object({ token: z.string().min(1).max(200) }), Account),
  registerNode: defineRequest("credits.node.register", z.object({ ownerId: z.string(), name: z.string() }), RegisteredNode),
  listNodes: defineRequest("credits.node.list", z.object({ ownerId: z.string() }), z.object({ nodes: z.array(NodeSummary.omit({ state: true, sandbox: true })) })),
  /** A one-time code for a node of `ownerId` named `name`, valid 15 minutes. */
  createNodeActivation: defineRequest("credits.node.activation.create", z.object({ ownerId: z.string(), name: z.string() }), NodeActivation),
  /** Spends a code (once): registers the node and hands out its token; `invalid_field` for an unknown, used or expired code. */
  activateNode: defineRequest("credits.node.activate", z.object({ code: z.string() }), ActivatedNode),

  // credits: ledger
  /** Moves `amount` from the owner into the job's escrow, or fails with payment_required. Idempotent by key. */
  holdCredits: defineRequest("credits.escrow.hold", z.object({ key: z.string(), owner: z.string(), jobId: z.string(), amount: CreditAmount }), Ok),
  ledgerPage: defineRequest("credits.ledger.list", z.object({ accountId: z.string(), before: z.number().int().optional(), limit: z.number().int().min(1).max(500) }), LedgerPage),
  /** Operators only (never routed from the gateway): creates credits for an account. */
  grantCredits: defineRequest("credits.grant.create", z.object({ email: z.string(), amount: CreditAmount.min(1), key: z.string() }), z.object({ accountId: z.string(), applied: z.boolean(), available: z.number() })),
  starterCredits: defineRequest("credits.config.starter", z.object({}), z.object({ starterCredits: z.number().int() })),

  // scheduler: jobs
  /**
   * `packageSet`: the spec's packages and wheels as the gateway pinned them.
   * `jobId`: a fresh `newId("job")` the gateway chose, so it can listen to the
   * job's events before the job exists (submit-and-wait); an id in use is a
   * `conflict` and moves nothing. Without it the scheduler names the job.
   */
  createJob: defineRequest("scheduler.job.create", Owned.extend({ spec: JobSpec, packageSet: PackageSet.optional(), jobId: z.string().regex(/^job_[A-Za-z0-9_-]{16}$/).optional() }), JobStatus),
  /** What createJob would hold for `spec`, moving nothing; without an owner, only inputs that name no file. */
  quoteJob: defineRequest("scheduler.job.quote", z.object({ owner: z.string().optional(), spec: JobSpec }), JobQuote),
  getJob: defineRequest("scheduler.job.get", OwnedJob, JobStatus),
  listJobs: defineRequest("scheduler.job.list", Owned.extend({ limit: z.number().int().min(1).max(1000).default(100), before: z.string().optional() }), JobsPage),
  cancelJob: defineRequest("scheduler.job.cancel", OwnedJob, JobStatus),
  jobResults: defineRequest(
    "scheduler.job.results",
    OwnedJob.extend({ from: z.number().int().min(0), limit: z.number().int().min(1).max(10_000) }),
    z.object({
      state: z.string(),
      hasReduce: z.boolean(),
      /** Map chunks the job has (so far, while it is split). */
      total: z.number().int(),
      /** The done map chunks among [from, from + limit), or [from, through) when `through` is set, in index order. */
      chunks: z.array(z.object({ index: z.number().int(), results: z.string() })),
      /** Set when the page was cut short to fit one bus message (see the scheduler's results-page.ts): the next page starts here. */
      through: z.number().int().optional(),
      reduce: z.string().nullable(),
      /** Why the job failed, when it did. */
      error: z.string().optional(),
      /** The job's status as of this page (read with it), so a reader needs no getJob beside it; absent from older schedulers. */
      status: JobStatus.optional(),
    }),
  ),
  jobEvents: defineRequest("scheduler.job.events", OwnedJob.extend({ after: z.number().int().min(0) }), z.object({ events: z.array(JobEvent) })),
  pricing: defineRequest("scheduler.pricing.get", z.object({}), z.object({ pricePerChunk: z.number().int() })),
  /** For gateways: the program to hand a node before its first chunk of a job (WASI bytes inline). */
  jobProgram: defineRequest("scheduler.job.program", z.object({ jobId: z.string() }), z.object({ owner: z.string(), program: RunnableProgram, timeoutMs: z.number().int() })),

  // scheduler: chunks (splitter → scheduler, gateway → scheduler)
  /** `token`: the splitter's lease on the job's split; `at`: the index of the batch's first chunk. False: stop splitting (the job ended, or the lease is lost). */
  addChunks: defineRequest("scheduler.chunk.add", z.object({ jobId: z.string(), token: z.string(), at: z.number().int().min(0), chunks: z.array(NewChunk) }), z.object({ accepted: z.boolean() })),
  sealJob: defineRequest("scheduler.job.seal", z.object({ jobId: z.string(), token: z.string(), items: z.number().int().min(0) }), Ok),
  /** A splitter claims a job's split: null when another holds it or it is over; else its lease and the map chunks already stored. */
  claimSplit: defineRequest("scheduler.split.claim", z.object({ jobId: z.string(), splitter: z.string() }), z.object({ claim: z.object({ token: z.string(), chunks: z.number().int().min(0), leaseMs: z.number().int().min(1) }).nullable() })),
  renewSplit: defineRequest("scheduler.split.renew", z.object({ jobId: z.string(), token: z.string() }), z.object({ held: z.boolean() })),
  /** With `error`, a failed attempt (another splitter retries, up to maxAttempts); without, handed back. */
  releaseSplit: defineRequest("scheduler.split.release", z.object({ jobId: z.string(), token: z.string(), error: z.string().max(limits.errorMessageChars).optional() }), Ok),
  failJob: defineRequest("scheduler.job.fail", z.object({ jobId: z.string(), error: z.string() }), Ok),
  /** `owner` is the node's owner account: nodes of one owner never run replicas of the same chunk (unless the scheduler allows it for a private pool). */
  /** `origin`: the network the node connects from (its /24 or /64). */
  /** `renewed`: the gateway renews these leases while its node holds them (renewLeases), so they may be short. */
  leaseChunks: defineRequest("scheduler.chunk.lease", z.object({ nodeId: z.string(), owner: z.string(), origin: z.string().max(100).optional(), max: z.number().int().min(1).max(1000), runtimes: z.array(z.string()).optional(), renewed: z.boolean().optional() }), z.object({ leases: z.array(ChunkLease) })),
  completeChunk: defineRequest("scheduler.chunk.complete", Holder.extend({ results: z.string() }), Outcome),
  /** A node's results of one runner call, as one request: per result, in order, its outcome or the limit it broke (`refused`). */
  completeChunks: defineRequest("scheduler.chunks.complete", z.object({ nodeId: z.string(), results: z.array(ChunkRef.extend({ token: z.string(), results: z.string() })).min(1).max(1000) }), z.object({ completed: z.array(z.union([Outcome, z.object({ refused: z.string() })])) })),
  failChunk: defineRequest("scheduler.chunk.fail", Holder.extend({ error: ChunkError }), Outcome),
  /** For gateways serving a binary item's bytes: the chunk's input and owner, only while the node holds that live lease (else `forbidden`). */
  leasedInput: defineRequest("scheduler.chunk.leased", Holder, z.object({ owner: z.string(), input: ChunkInput })),
  nodeReputations: defineRequest("scheduler.node.reputation", z.object({ nodeIds: z.array(z.string()).max(1000) }), z.object({ reputations: z.record(z.string(), NodeReputation) })),
  /** A gateway's nodes still hold these chunks (sent, not reported): their leases are extended (see lease-terms.ts). */
  renewLeases: defineRequest("scheduler.chunk.renew", z.object({ leases: z.array(Holder).max(1000) }), z.object({ renewed: z.number().int().min(0) })),
  releaseNode: defineRequest("scheduler.node.release", z.object({ nodeId: z.string() }), z.object({ requeued: z.number().int() })),
  /** A gateway's nodes are still connected (see presence.ts); the answer lists the gateways alive, for nodes to fail over to. */
  presenceHeartbeat: defineRequest("scheduler.presence.heartbeat", PresenceHeartbeat, z.object({ gateways: z.array(z.url()) })),
  presenceLeave: defineRequest("scheduler.presence.leave", NodePresence.pick({ nodeId: true, connection: true }), Ok),
  /** Which of these nodes are connected to some gateway, by node id. */
  nodePresence: defineRequest("scheduler.presence.get", z.object({ nodeIds: z.array(z.string()).max(1000) }), z.object({ presence: z.record(z.string(), NodePresence) })),

  // splitter
  splitJob: defineRequest("splitter.job.split", z.object({ jobId: z.string(), owner: z.string(), spec: JobSpec }), Ok),
} as const;

/** A new job's program, as jobProgram would answer it, told with its first chunks. */
export const AnnouncedProgram = z.object({ jobId: z.string(), owner: z.string(), program: RunnableProgram, timeoutMs: z.number().int() });
export type AnnouncedProgram = z.infer<typeof AnnouncedProgram>;

export const events = {
  /** A job's events as one transition appended them, in id order: one message for a node's whole batch of results, not one per event. */
  jobEvents: defineEvent((jobId: string) => `job.events.${jobId}`, "job.events.*", z.array(JobEvent).min(1)),
  /**
   * New chunks were queued: gateways retry leasing for their idle nodes. A new
   * job's first chunks come with its program when it is small (`programs`, as
   * jobProgram answers), so a gateway sends the chunk without asking for it.
   */
  workAvailable: defineEvent(() => "scheduler.work.available", "scheduler.work.available", z.object({ chunks: z.number().int(), programs: z.array(AnnouncedProgram).optional() })),
  /** A job ended early (cancelled or failed): gateways tell nodes to drop its chunks. */
  jobStopped: defineEvent(() => "scheduler.job.stopped", "scheduler.job.stopped", z.object({ jobId: z.string(), state: z.string() })),
} as const;

/**
 * The JetStream work queue of settlements (payouts and refunds, consumed by
 * the credits service). Like every subject it travels under the deployment
 * prefix: `medusa.credits.settle`.
 */
export const SETTLEMENT_SUBJECT = "credits.settle";
