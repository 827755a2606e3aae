import {
  call,
  canonicalResult,
  DEFAULT_SPOT_CHECK_RATE,
  DEFAULT_TRUST_AFTER,
  definesReduce,
  emit,
  events,
  holdKey,
  MedusaError,
  newId,
  quorumOf,
  replicasBudgeted,
  serve,
  subjects,
  type BlobStore,
  type Bus,
  type ChunkStore,
  type JobRecord,
  type Served,
  type SettlementQueue,
  type Transition,
} from "@medusa/core";
import { jobStatus } from "./job-status.ts";
import { quote } from "./pricing.ts";
import { ProgramSource } from "./program-source.ts";
import { leaseOptions, type ReplicaPolicy } from "./replica-policy.ts";
import { forwardSettlements } from "./settlement-forwarder.ts";

export interface SchedulerDeps {
  store: ChunkStore;
  blobs: BlobStore;
  /** Where payouts and refunds go (JetStream, or straight to the embedded credits service). */
  settlements: SettlementQueue;
  /** Price per accepted chunk result when a job names none. */
  pricePerChunk?: number;
  /** Owner rule and adaptive replication; default: replicas across owners, trust after 10, spot-check 10%. */
  replicaPolicy?: Partial<ReplicaPolicy>;
  now?: () => number;
  /** How often expired leases are swept back into the queue. */
  sweepMs?: number;
  log?: (msg: string) => void;
}

/**
 * The scheduler: the one place that advances jobs and chunks. Each request is
 * one store transition; the events it appended are published afterwards, in
 * order, on the job's subject.
 */
export function serveScheduler(bus: Bus, deps: SchedulerDeps, opts: { queue?: string } = {}) {
  const { store } = deps;
  const now = deps.now ?? Date.now;
  const log = deps.log ?? (() => {});
  const programs = new ProgramSource(deps.blobs);
  const queue = opts.queue ?? "scheduler";
  const defaultPrice = deps.pricePerChunk ?? 1;
  const policy: ReplicaPolicy = { sameOwnerReplicas: false, trustAfter: DEFAULT_TRUST_AFTER, spotCheckRate: DEFAULT_SPOT_CHECK_RATE, ...deps.replicaPolicy };
  const outbox = forwardSettlements(store, deps.settlements, { log });
  /** Transitions that may have recorded a payout or a refund. */
  const settles = (t: Transition) => t.events.some((e) => e.event.type === "chunk" || e.event.type === "done" || e.event.type === "failed" || e.event.type === "cancelled");

  const publish = (t: Transition) => {
    if (settles(t)) outbox.kick();
    for (const { jobId, event } of t.events) {
      emit(bus, events.jobEvent, event, jobId);
      if (event.type === "failed" || event.type === "cancelled") emit(bus, events.jobStopped, { jobId, state: event.type });
    }
  };
  const workAvailable = (chunks: number) => {
    if (chunks > 0) emit(bus, events.workAvailable, { chunks });
  };
  /** A retried chunk, or a reduce chunk queued by the last map result, is new work for idle nodes. */
  const requeuedOrReduce = (t: Transition) =>
    t.events.some((e) => e.event.type === "progress" || (e.event.type === "chunk" && e.event.chunks.done === e.event.chunks.total - 1));

  /** A file job whose input turned out longer than its held credits pay for stops here, before any extra chunk runs. */
  async function overBudget(jobId: string, adding: number): Promise<string | null> {
    const job = await store.getJob(jobId);
    if (!job || job.credits.price === 0) return null;
    const perChunk = job.credits.price * replicasBudgeted(job.replicas);
    const maxChunks = Math.floor(job.credits.held / perChunk);
    const needed = job.chunks.total + adding + (job.hasReduce ? 1 : 0);
    if (needed <= maxChunks) return null;
    return `the input has more than ${maxChunks - (job.hasReduce ? 1 : 0)} chunks, more than the ${job.credits.held} credits held pay for at ${perChunk} per chunk; raise maxCredits`;
  }

  async function ownedJob(jobId: string, owner: string): Promise<JobRecord> {
    const job = await store.getJob(jobId);
    if (!job || job.owner !== owner) throw new MedusaError("not_found", `job ${jobId} not found`);
    return job;
  }

  const served: Served[] = [
    serve(bus, subjects.createJob, async ({ owner, spec, packageSet }) => {
      const id = newId("job");
      const hasReduce = definesReduce(spec.program);
      const price = await quote(spec, owner, hasReduce, deps.blobs, defaultPrice);
      await programs.freeze(id, owner, spec.program);
      if (price.held > 0) await call(bus, subjects.holdCredits, { key: holdKey(id), owner, jobId: id, amount: price.held });
      const job: JobRecord = {
        id,
        owner,
        name: spec.name,
        program: spec.program.runtime === "python" && packageSet ? { ...spec.program, packages: packageSet } : spec.program,
        hasReduce,
        state: "queued",
        chunks: { total: 0, done: 0, running: 0, failed: 0 },
        sealed: false,
        items: 0,
        timeoutMs: spec.timeoutMs,
        maxAttempts: spec.maxAttempts,
        replicas: spec.replicas,
        quorum: quorumOf(spec),
        credits: { price: price.price, held: price.held, spent: 0 },
        createdAt: now(),
      };
      try {
        publish(await store.createJob(job, now()));
      } catch (err) {
        // No job exists to refund through the outbox: hand the hold back directly.
        if (price.held > 0) await deps.settlements.publish([{ v: 1, kind: "refund", key: `refund:${id}`, jobId: id, owner, amount: price.held }]).catch(() => log(`refund of ${id}'s hold could not be queued`));
        throw err;
      }
      try {
        await call(bus, subjects.splitJob, { jobId: id, owner, spec });
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        publish(await store.failJob(id, `could not start splitting the input: ${message}`, now()));
        throw err;
      }
      return jobStatus((await store.getJob(id))!);
    }, { queue }),

    serve(bus, subjects.getJob, async ({ jobId, owner }) => jobStatus(await ownedJob(jobId, owner)), { queue }),
    serve(bus, subjects.listJobs, async ({ owner, limit }) => ({ jobs: (await store.listJobs(owner, limit)).map(jobStatus) }), { queue }),
    serve(bus, subjects.cancelJob, async ({ jobId, owner }) => {
      await ownedJob(jobId, owner);
      publish(await store.cancelJob(jobId, now()));
      return jobStatus((await store.getJob(jobId))!);
    }, { queue }),
    serve(bus, subjects.jobResults, async ({ jobId, owner, from, limit }) => {
      const job = await ownedJob(jobId, owner);
      const chunks = await store.readResults(jobId, from, limit);
      const reduce = job.hasReduce ? await store.readReduceResult(jobId) : null;
      return { state: job.state, hasReduce: job.hasReduce, total: job.chunks.total - (job.hasReduce && job.sealed ? 1 : 0), chunks, reduce };
    }, { queue }),
    serve(bus, subjects.jobEvents, async ({ jobId, owner, after }) => {
      await ownedJob(jobId, owner);
      return { events: await store.readEvents(jobId, after, 10_000) };
    }, { queue }),
    serve(bus, subjects.pricing, async () => ({ pricePerChunk: defaultPrice }), { queue }),
    serve(bus, subjects.jobProgram, async ({ jobId }) => {
      const job = await store.getJob(jobId);
      if (!job) throw new MedusaError("not_found", `job ${jobId} not found`);
      return { owner: job.owner, program: await programs.resolve(jobId, job.program), timeoutMs: job.timeoutMs };
    }, { queue }),

    serve(bus, subjects.addChunks, async ({ jobId, chunks }) => {
      const over = await overBudget(jobId, chunks.length);
      if (over) {
        publish(await store.failJob(jobId, over, now()));
        return { accepted: false };
      }
      const t = await store.addChunks(jobId, chunks, now());
      publish(t);
      if (t.accepted) workAvailable(chunks.length);
      return { accepted: t.accepted };
    }, { queue }),
    serve(bus, subjects.sealJob, async ({ jobId, items }) => {
      const t = await store.sealJob(jobId, items, now());
      publish(t);
      // Sealing queues new work only when it releases the reduce chunk.
      if (t.events.some((e) => e.event.type === "progress" && e.event.sealed && e.event.chunks.done === e.event.chunks.total - 1)) workAvailable(1);
      return { ok: true as const };
    }, { queue }),
    serve(bus, subjects.failJob, async ({ jobId, error }) => {
      publish(await store.failJob(jobId, error, now()));
      return { ok: true as const };
    }, { queue }),

    serve(bus, subjects.leaseChunks, async ({ nodeId, owner, max, runtimes }) => {
      const t = await store.leaseChunks(nodeId, max, now(), { ...leaseOptions(policy, nodeId, owner), ...(runtimes ? { runtimes } : {}) });
      publish(t);
      return { leases: t.leases };
    }, { queue }),
    serve(bus, subjects.completeChunk, async ({ nodeId, jobId, index, token, results }) => {
      const result = canonical(results);
      const t = await store.completeChunk({ nodeId, jobId, index, token }, result.text, now(), result.hash);
      // Only a lease holder's result counts; anything else is a late, replayed or forged report, and worth a line.
      if (t.outcome === "stale" || t.outcome === "job_final") log(`result for ${jobId}#${index} from node ${nodeId} rejected: ${t.outcome} (the node holds no current lease on it)`);
      if (t.outcome === "rejected") log(`result for ${jobId}#${index} from node ${nodeId}: the replicas disagreed past the limit; the job failed`);
      for (const caught of t.disagreed) log(`node ${caught} returned a result for ${jobId}#${index} that disagreed with the accepted one: its standing is reset and it is not paid`);
      publish(t);
      if (requeuedOrReduce(t)) workAvailable(1);
      return { outcome: t.outcome };
    }, { queue }),
    serve(bus, subjects.failChunk, async ({ nodeId, jobId, index, token, error }) => {
      const t = await store.failChunk({ nodeId, jobId, index, token }, error, now());
      publish(t);
      if (requeuedOrReduce(t)) workAvailable(1);
      return { outcome: t.outcome };
    }, { queue }),
    serve(bus, subjects.nodeReputations, async ({ nodeIds }) => ({ reputations: await store.reputations(nodeIds) }), { queue }),
    serve(bus, subjects.releaseNode, async ({ nodeId }) => {
      const t = await store.releaseNode(nodeId, now());
      publish(t);
      workAvailable(t.requeued);
      return { requeued: t.requeued };
    }, { queue }),
  ];

  const sweep = setInterval(async () => {
    try {
      const t = await store.requeueExpired(now(), 1000);
      publish(t);
      workAvailable(t.requeued);
      if (t.requeued) log(`requeued ${t.requeued} chunk(s) whose lease expired`);
    } catch (err) {
      log(`lease sweep failed: ${err instanceof Error ? err.message : err}`);
    }
  }, deps.sweepMs ?? 1000);

  return {
    async close() {
      clearInterval(sweep);
      await outbox.close();
      for (const s of served) s.subscription.unsubscribe();
      await Promise.all(served.map((s) => s.done));
    },
  };
}

/** A node's result in the form replicas vote with; text that is not JSON is the sender's error. */
function canonical(results: string) {
  try {
    return canonicalResult(results);
  } catch {
    throw new MedusaError("invalid_field", "results: not valid JSON text");
  }
}
