import { until } from "./until.ts";

export const FAKE_ACTIVATION_CODE = "ABCDE-FGHJK";
import { MemoryBus } from "@medusa/adapters/bus/memory-bus";
import {
  MedusaError,
  notFound,
  serve,
  subjects,
  type ChunkLease,
  type JobEvent,
  type JobSpec,
  type JobState,
  type JobStatus,
  type NodePresence,
  type Principal,
  type Served,
} from "@medusa/core";

/**
 * Tiny stand-ins for the credits and scheduler services, answering on a
 * MemoryBus exactly as the real ones would on NATS. They keep just enough
 * state for the gateway's tests to watch what the gateway asked for.
 */
export const ALICE = { key: "key-alice", id: "acc_alice", email: "alice@example.com", password: "alice's password" };
export const BOB = { key: "key-bob", id: "acc_bob", email: "bob@example.com", password: "bob's password" };
/** The one token the fake credits service confirms an account with. */
export const FAKE_CONFIRM_TOKEN = "ct_fake";
export const NODE = { token: "node-token-1", id: "node_1", owner: ALICE.id };

export interface FakeJob {
  status: JobStatus;
  owner: string;
  spec: JobSpec;
  hasReduce: boolean;
  reduce: string | null;
  /** Each chunk's stored results; null for a chunk that did not finish. */
  results: Array<string | null>;
  events: JobEvent[];
}

const counts = { total: 0, done: 0, running: 0, failed: 0 };

export class FakeServices {
  readonly principals = new Map<string, Principal>([
    [ALICE.key, { kind: "account", accountId: ALICE.id }],
    [BOB.key, { kind: "account", accountId: BOB.id }],
    [NODE.token, { kind: "node", nodeId: NODE.id, ownerId: NODE.owner }],
  ]);
  readonly jobs = new Map<string, FakeJob>();
  /** Leases handed out on the next leaseChunks calls, first come first served. */
  readonly leaseQueue: ChunkLease[] = [];
  readonly calls: Record<string, unknown[]> = {};
  /** Runs as a lease is answered, after its leases were taken: what happens while the reply is on its way. */
  duringLease: (() => void) | undefined;
  /** Every request's subject name, in the order they arrived. */
  readonly order: string[] = [];
  /** When set, jobResults cuts a page short past this many characters of results and says `through`, as the scheduler does to fit one bus message. */
  resultsPageChars: number | undefined;
  /** What the gateway heartbeated, by node id (the scheduler's presence store, without expiry). */
  readonly presence = new Map<string, NodePresence>();
  /** When set, completeChunks refuses each result it gives a reason for, as the scheduler refuses one over a limit. */
  refuseResult: ((results: string) => string | undefined) | undefined;
  /** Runs inside the createJob handler after the job is added, before it answers (with the status as added), to stage what a job does meanwhile. */
  onCreateJob: ((job: FakeJob) => void) | undefined;
  /** Runs inside the jobEvents handler before it answers, to stage races. */
  beforeJobEvents: ((jobId: string) => void) | undefined;
  private readonly served: Served[] = [];
  private nextJob = 0;

  constructor(readonly bus: MemoryBus) {
    const on = <K extends keyof typeof subjects>(name: K, handler: (req: any) => unknown) =>
      this.served.push(
        serve(bus, subjects[name] as any, async (req: unknown) => {
          (this.calls[name] ??= []).push(req);
          this.order.push(name);
          return handler(req);
        }),
      );
    on("verifyToken", ({ token }) => ({ principal: this.principals.get(token) ?? null }));
    on("verifyCredentials", ({ email, secret }) => {
      const account = [ALICE, BOB].find((a) => a.email === email.toLowerCase());
      return { accountId: account && (secret === account.password || secret === account.key) ? account.id : null };
    });
    on("createAccount", ({ email }) => ({ id: "acc_new", email, apiKey: "key-new", credits: 100, confirmed: true }));
    on("confirmAccount", ({ token }) => {
      if (token !== FAKE_CONFIRM_TOKEN) throw new MedusaError("not_found", "this confirmation link is unknown");
      return { id: "acc_new", email: "new@example.com", confirmed: true, credits: { available: 100, held: 0 } };
    });
    on("login", ({ email, password }) => {
      if (email !== "a@example.com" || password !== "password1") throw new MedusaError("unauthorized", "wrong email or password");
      return { token: "login-token", expiresAt: new Date(Date.now() + 60_000).toISOString() };
    });
    on("getAccount", ({ accountId }) => ({ id: accountId, email: `${accountId}@example.com`, confirmed: true, credits: { available: 100, held: 0 } }));
    on("registerNode", ({ ownerId, name }) => ({ nodeId: `node_${name}`, nodeToken: `token-${ownerId}-${name}` }));
    // The one code that activates is FAKE_ACTIVATION_CODE; any other is wrong, as an unknown one is to the credits service.
    on("createNodeActivation", ({ name }) => ({ code: FAKE_ACTIVATION_CODE, name, expiresAt: new Date(Date.now() + 15 * 60_000).toISOString() }));
    on("activateNode", ({ code }) => {
      if (code !== FAKE_ACTIVATION_CODE) throw new MedusaError("invalid_field", "code is unknown, already used or expired", { issues: [{ field: "code", message: "unknown" }] });
      return { nodeId: "node_activated", nodeToken: "token-activated", name: "activated pc" };
    });
    on("listNodes", ({ ownerId }) => ({
      nodes: ownerId === NODE.owner ? [{ nodeId: NODE.id, name: "laptop", chunksDone: 7, creditsEarned: 3.5, createdAt: "2025-01-01T00:00:00.000Z" }] : [],
    }));
    on("createJob", ({ owner, spec, jobId }) => {
      if (jobId !== undefined && this.jobs.has(jobId)) throw new MedusaError("conflict", `job ${jobId} already exists`);
      const job = this.addJob(owner, { spec, id: jobId });
      const status = job.status;
      this.onCreateJob?.(job);
      return status;
    });
    on("quoteJob", () => ({ chunks: 4, exact: true, reduce: false, replicas: 1, pricePerChunk: 1, worstCase: 4, held: 4 }));
    on("getJob", ({ owner, jobId }) => this.job(owner, jobId).status);
    on("listJobs", ({ owner }) => ({ jobs: [...this.jobs.values()].filter((j) => j.owner === owner).map((j) => j.status), next: null }));
    on("cancelJob", ({ owner, jobId }) => {
      const job = this.job(owner, jobId);
      job.status = { ...job.status, state: "cancelled" };
      return job.status;
    });
    on("jobResults", ({ owner, jobId, from, limit }) => {
      const job = this.job(owner, jobId);
      let chunks = job.results.flatMap((results, index) => (results === null || index < from || index >= from + limit ? [] : [{ index, results }]));
      let through: number | undefined;
      if (this.resultsPageChars !== undefined) {
        let size = 0;
        const cut = chunks.findIndex((c, i) => (size += c.results.length) > this.resultsPageChars! && i > 0);
        if (cut > 0) [chunks, through] = [chunks.slice(0, cut), chunks[cut]!.index];
      }
      return { state: job.status.state, hasReduce: job.hasReduce, total: job.results.length, chunks, ...(through === undefined ? {} : { through }), reduce: job.reduce, ...(job.status.error ? { error: job.status.error } : {}), status: job.status };
    });
    on("jobEvents", ({ owner, jobId, after }) => {
      const job = this.job(owner, jobId);
      this.beforeJobEvents?.(jobId);
      return { events: job.events.filter((e) => e.id > after) };
    });
    on("jobProgram", ({ jobId }) => {
      const job = this.jobs.get(jobId);
      if (!job) throw notFound(`job ${jobId}`);
      return { owner: job.owner, program: job.spec.program, timeoutMs: 5_000 };
    });
    on("leaseChunks", ({ max }) => {
      const leases = this.leaseQueue.splice(0, max);
      this.duringLease?.();
      return { leases };
    });
    on("completeChunk", () => ({ outcome: "accepted" }));
    on("completeChunks", ({ results }) => ({ completed: results.map((r: { results: string }) => ((refused) => (refused ? { refused } : { outcome: "accepted" }))(this.refuseResult?.(r.results))) }));
    on("failChunk", () => ({ outcome: "accepted" }));
    on("releaseNode", () => ({ requeued: 0 }));
    on("renewLeases", ({ leases }) => ({ renewed: leases.length }));
    on("presenceHeartbeat", ({ nodes, url }) => {
      for (const n of nodes) this.presence.set(n.nodeId, n);
      return { gateways: url ? [url] : [] };
    });
    on("presenceLeave", ({ nodeId, connection }) => {
      if (this.presence.get(nodeId)?.connection === connection) this.presence.delete(nodeId);
      return { ok: true };
    });
    on("nodePresence", ({ nodeIds }) => ({ presence: Object.fromEntries(nodeIds.flatMap((id: string) => (this.presence.has(id) ? [[id, this.presence.get(id)]] : []))) }));
    on("nodeReputations", ({ nodeIds }) => ({ reputations: Object.fromEntries(nodeIds.map((id: string) => [id, { agreed: 4, disagreed: 1, streak: 2, accepted: 5, expired: 0 }])) }));
  }

  addJob(owner: string, opts: { id?: string; spec?: JobSpec; state?: JobState; results?: Array<unknown[] | null>; reduce?: unknown; events?: JobEvent[]; error?: string } = {}): FakeJob {
    const id = opts.id ?? `job_${++this.nextJob}`;
    const spec = opts.spec ?? ({ name: "job", program: { runtime: "python", source: "def map(x):\n  return x\n" }, input: { items: [] }, chunkSize: 1, replicas: 1, timeoutMs: 5000, maxAttempts: 3 } as JobSpec);
    const job: FakeJob = {
      owner,
      spec,
      hasReduce: opts.reduce !== undefined,
      reduce: opts.reduce === undefined ? null : JSON.stringify(opts.reduce),
      results: (opts.results ?? []).map((r) => (r === null ? null : JSON.stringify(r))),
      events: opts.events ?? [],
      status: {
        id,
        name: spec.name,
        state: opts.state ?? "queued",
        chunks: counts,
        sealed: false,
        items: 0,
        credits: { held: 0, spent: 0 },
        createdAt: new Date().toISOString(),
        ...(opts.error ? { error: opts.error } : {}),
      },
    };
    this.jobs.set(id, job);
    return job;
  }

  private job(owner: string, jobId: string): FakeJob {
    const job = this.jobs.get(jobId);
    // Like the real scheduler: another owner's job does not exist for you.
    if (!job || job.owner !== owner) throw notFound(`job ${jobId}`);
    return job;
  }

  /** Resolves once `name` has been called `n` times. */
  async called(name: string, n = 1, timeoutMs = 2_000): Promise<unknown[]> {
    await until(() => (this.calls[name]?.length ?? 0) >= n, timeoutMs, `${name} called ${n} times`, { everyMs: 5, context: () => `it was called ${this.calls[name]?.length ?? 0} times` });
    return this.calls[name]!;
  }


  close(): void {
    for (const s of this.served) s.subscription.unsubscribe();
  }
}

export const lease = (jobId: string, index: number, input: ChunkLease["input"], task: ChunkLease["task"] = "map"): ChunkLease => ({
  jobId,
  index,
  token: `lease-${jobId}-${index}`,
  task,
  attempt: 1,
  offset: 0,
  input,
  expiresAt: Date.now() + 60_000,
});

export const auth = (key: string, init: RequestInit = {}): RequestInit => ({ ...init, headers: { ...(init.headers as Record<string, string>), authorization: `Bearer ${key}` } });
export const jsonInit = (key: string | null, body: unknown, method = "POST"): RequestInit => {
  const init: RequestInit = { method, headers: { "content-type": "application/json" }, body: typeof body === "string" ? body : JSON.stringify(body) };
  return key ? auth(key, init) : init;
};
