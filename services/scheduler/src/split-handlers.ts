import { serve, subjects, type Served } from "@medusa/core";
import { overBudget } from "./pricing.ts";
import type { SchedulerContext } from "./scheduler-context.ts";

/** What the splitter tells the scheduler about a job it splits: more chunks, no more chunks, or that the input could not be split. */
export function serveSplitHandlers(ctx: SchedulerContext): Served[] {
  const { bus, store, now, queue, onError } = ctx;
  return [
    serve(bus, subjects.addChunks, async ({ jobId, chunks }) => {
      const job = await store.getJob(jobId);
      const over = job && overBudget(job, chunks.length);
      if (over) {
        ctx.publish(await store.failJob(jobId, over, now()));
        return { accepted: false };
      }
      const t = await store.addChunks(jobId, chunks);
      ctx.publish(t);
      return { accepted: t.accepted };
    }, { queue, onError }),
    serve(bus, subjects.sealJob, async ({ jobId, items }) => {
      ctx.publish(await store.sealJob(jobId, items, now()));
      return { ok: true as const };
    }, { queue, onError }),
    serve(bus, subjects.failJob, async ({ jobId, error }) => {
      ctx.publish(await store.failJob(jobId, error, now()));
      return { ok: true as const };
    }, { queue, onError }),
  ];
}
