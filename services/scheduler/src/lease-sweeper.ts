import { call, errorMessage, subjects } from "@medusa/core";
import type { SchedulerContext } from "./scheduler-context.ts";

/**
 * Every `everyMs`: leases that expired go back to the queue (or fail their
 * job past maxAttempts), up to 1000 per pass; and splits whose splitter's
 * lease ran out are sent to a splitter again (or fail their job past
 * maxAttempts). Returns a function that stops it.
 */
export function sweepExpiredLeases(ctx: SchedulerContext, everyMs: number): () => void {
  const timer = setInterval(async () => {
    try {
      const t = await ctx.store.requeueExpired(ctx.now(), 1000);
      ctx.publish(t);
      if (t.requeued) ctx.log.info(`requeued ${t.requeued} chunk(s) whose lease expired`);
      const splits = await ctx.store.requeueExpiredSplits(ctx.now(), 100, ctx.splitLeaseMs);
      ctx.publish(splits);
      for (const { jobId, request } of splits.due) {
        ctx.log.info("split sent again", { jobId });
        // Not answered: the split stays due and the next sweep sends it again, an attempt more.
        call(ctx.bus, subjects.splitJob, JSON.parse(request)).catch((err) => ctx.log.warn("split could not be sent again", { jobId, error: errorMessage(err) }));
      }
    } catch (err) {
      ctx.log.error(`lease sweep failed: ${errorMessage(err)}`);
    }
  }, everyMs);
  return () => clearInterval(timer);
}
