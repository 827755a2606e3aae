import { errorMessage } from "@medusa/core";
import type { SchedulerContext } from "./scheduler-context.ts";

/**
 * Every `everyMs`, leases that expired go back to the queue (or fail their
 * job past maxAttempts), up to 1000 per pass. Returns a function that stops it.
 */
export function sweepExpiredLeases(ctx: SchedulerContext, everyMs: number): () => void {
  const timer = setInterval(async () => {
    try {
      const t = await ctx.store.requeueExpired(ctx.now(), 1000);
      ctx.publish(t);
      if (t.requeued) ctx.log.info(`requeued ${t.requeued} chunk(s) whose lease expired`);
    } catch (err) {
      ctx.log.error(`lease sweep failed: ${errorMessage(err)}`);
    }
  }, everyMs);
  return () => clearInterval(timer);
}
