import { serve, subjects, type Served } from "@medusa/core";
import { overBudget } from "./pricing.ts";
import type { SchedulerContext } from "./scheduler-context.ts";

/**
 * What the splitter asks of the scheduler about a job it splits: a lease on
 * the split (claimed, renewed, given back), more chunks under that lease, no
 * more chunks, or that the input cannot be split.
 */
export function serveSplitHandlers(ctx: SchedulerContext): Served[] {
  const { bus, store, now, queue, onError, splitLeaseMs } = ctx;
  return [
    serve(bus, subjects.claimSplit, async ({ jobId, splitter }) => {
      const claim = await store.claimSplit(jobId, splitter, now(), splitLeaseMs);
      return { claim: claim && { ...claim, leaseMs: splitLeaseMs } };
    }, { queue, onError }),
    serve(bus, subjects.renewSplit, async ({ jobId, token }) => ({ held: await store.renewSplit(jobId, token, now(), splitLeaseMs) }), { queue, onError }),
    serve(bus, subjects.releaseSplit, async ({ jobId, token, error }) => {
      await store.releaseSplit(jobId, token, now(), error);
      return { ok: true as const };
    }, { queue, onError }),
    serve(bus, subjects.addChunks, async ({ jobId, token, at, chunks }) => {
      const job = await store.getJob(jobId);
      const over = job && overBudget(job, chunks.length);
      if (over) {
        ctx.publish(await store.failJob(jobId, over, now()));
        return { accepted: false };
      }
      const t = await store.addChunks(jobId, chunks, { token, at });
      ctx.publish(t);
      return { accepted: t.accepted };
    }, { queue, onError }),
    serve(bus, subjects.sealJob, async ({ jobId, token, items }) => {
      ctx.publish(await store.sealJob(jobId, items, now(), token));
      return { ok: true as const };
    }, { queue, onError }),
    serve(bus, subjects.failJob, async ({ jobId, error }) => {
      ctx.publish(await store.failJob(jobId, error, now()));
      return { ok: true as const };
    }, { queue, onError }),
  ];
}
