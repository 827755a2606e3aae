import { call, definesReduce, errorMessage, holdKey, MedusaError, newId, quorumOf, refundKey, serve, subjects, type JobRecord, type Served } from "@medusa/core";
import { announcedProgram, inlineChunks, splitInline } from "./inline-split.ts";
import { jobStatus } from "./job-status.ts";
import { quoteJob } from "./pricing.ts";
import type { SchedulerContext } from "./scheduler-context.ts";

/**
 * A new job: priced, its program frozen, its worst case held in escrow, then
 * stored and handed to the splitter (a small inline input is cut here, see
 * inline-split.ts). A job that cannot be stored gives its
 * hold straight back; one the splitter cannot take fails (and refunds).
 */
export function serveCreateJob(ctx: SchedulerContext): Served {
  const { bus, store, now } = ctx;
  return serve(bus, subjects.createJob, async ({ owner, spec, packageSet, jobId }) => {
    const id = jobId ?? newId("job");
    const quote = await quoteJob(spec, owner, ctx.blobs, ctx.defaultPrice);
    if (quote.refused) throw new MedusaError("payment_required", quote.refused, { field: "maxCredits", worstCase: quote.worstCase, maxCredits: spec.maxCredits });
    await ctx.programs.freeze(id, owner, spec.program);
    if (quote.held > 0) await call(bus, subjects.holdCredits, { key: holdKey(id), owner, jobId: id, amount: quote.held });
    const job: JobRecord = {
      id,
      owner,
      name: spec.name,
      program: spec.program.runtime === "python" && packageSet ? { ...spec.program, packages: packageSet } : spec.program,
      hasReduce: definesReduce(spec.program),
      state: "queued",
      chunks: { total: 0, done: 0, running: 0, failed: 0 },
      sealed: false,
      items: 0,
      timeoutMs: spec.timeoutMs,
      maxAttempts: spec.maxAttempts,
      ...(spec.minReputation ? { minReputation: spec.minReputation } : {}),
      replicas: spec.replicas,
      quorum: quorumOf(spec),
      credits: { price: quote.pricePerChunk, held: quote.held, spent: 0 },
      createdAt: now(),
    };
    const inline = await inlineChunks(ctx, id, owner, spec);
    try {
      // The split is a task of its own in the store: whichever splitter holds it, and how far it got.
      const split = inline ? undefined : { request: JSON.stringify({ jobId: id, owner, spec }), dueMs: ctx.splitLeaseMs };
      ctx.publish(await store.createJob(job, now(), split));
    } catch (err) {
      // No job exists to refund through the outbox: hand the hold back directly. A
      // conflict is an id already in use (a gateway's named id, sent twice): the hold,
      // idempotent by that id, moved nothing this time, and the job that has it keeps it.
      if (quote.held > 0 && !(err instanceof MedusaError && err.code === "conflict")) {
        await ctx.settlements
          .publish([{ v: 1, kind: "refund", key: refundKey(id), jobId: id, owner, amount: quote.held }])
          .catch(() => ctx.log.error(`refund of ${id}'s hold could not be queued`));
      }
      throw err;
    }
    try {
      if (inline) await splitInline(ctx, id, inline, announcedProgram(job));
      else await call(bus, subjects.splitJob, { jobId: id, owner, spec });
    } catch (err) {
      const message = errorMessage(err);
      ctx.publish(await store.failJob(id, `could not start splitting the input: ${message}`, now()));
      throw err;
    }
    return jobStatus((await store.getJob(id))!);
  }, { queue: ctx.queue, onError: ctx.onError });
}
