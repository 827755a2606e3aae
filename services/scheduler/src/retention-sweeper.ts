import { errorFields } from "@medusa/core";
import { dropJobBlobs } from "./job-blobs.ts";
import type { SchedulerContext } from "./scheduler-context.ts";

/** Jobs expired per store call, and calls per sweep: a backlog is worked off over several sweeps, never in one long stall. */
const JOBS_PER_CALL = 100;
const CALLS_PER_SWEEP = 50;

/**
 * One retention sweep at `now`: finished jobs whose retention ran out are
 * deleted from the chunk store (their chunks, results and events; they are
 * remembered as expired for as long again, so GET says 410) and their blobs
 * deleted. Returns the jobs expired.
 */
export async function expireFinishedJobs(ctx: SchedulerContext, now: number): Promise<string[]> {
  const ids: string[] = [];
  for (let call = 0; call < CALLS_PER_SWEEP; call++) {
    const { expired, more } = await ctx.store.expireJobs({ finishedBefore: now - ctx.retentionMs, now, limit: JOBS_PER_CALL, forgetAfterMs: ctx.retentionMs });
    for (const job of expired) {
      await dropJobBlobs(ctx.blobs, job.id, ctx.log);
      ids.push(job.id);
    }
    if (!more) break;
  }
  if (ids.length > 0) ctx.log.info(`expired ${ids.length} finished job(s) past their retention`, { jobs: ids.length });
  return ids;
}

/** Sweeps every `everyMs` with the scheduler's clock; returns a function that stops it. */
export function sweepRetention(ctx: SchedulerContext, everyMs: number): () => void {
  let running = false;
  const timer = setInterval(async () => {
    if (running) return;
    running = true;
    try {
      await expireFinishedJobs(ctx, ctx.now());
    } catch (err) {
      ctx.log.error("retention sweep failed", errorFields(err));
    } finally {
      running = false;
    }
  }, everyMs);
  return () => clearInterval(timer);
}
