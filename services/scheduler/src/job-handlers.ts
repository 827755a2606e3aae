import { limits, MedusaError, serve, subjects, type Served } from "@medusa/core";
import { jobStatus } from "./job-status.ts";
import { quoteJob } from "./pricing.ts";
import { resultsPage } from "./results-page.ts";
import type { SchedulerContext } from "./scheduler-context.ts";

/** What a job's owner asks about it (through the gateway): status, list, cancel, results, events, the price; and its program, for nodes. */
export function serveJobHandlers(ctx: SchedulerContext): Served[] {
  const { bus, store, now, queue, onError } = ctx;
  return [
    serve(bus, subjects.quoteJob, ({ owner, spec }) => quoteJob(spec, owner, ctx.blobs, ctx.defaultPrice), { queue, onError }),
    serve(bus, subjects.getJob, async ({ jobId, owner }) => jobStatus(await ctx.ownedJob(jobId, owner)), { queue, onError }),
    serve(bus, subjects.listJobs, async ({ owner, limit, before }) => {
      if (before !== undefined) {
        const from = await store.getJob(before);
        if (!from || from.owner !== owner) throw new MedusaError("invalid_field", `before: ${before} is not one of your jobs`, { issues: [{ field: "before", message: `${before} is not one of your jobs` }] });
      }
      // One more than asked for says whether a next page exists.
      const jobs = await store.listJobs(owner, limit + 1, before);
      const page = jobs.slice(0, limit);
      return { jobs: page.map(jobStatus), next: jobs.length > limit ? page.at(-1)!.id : null };
    }, { queue, onError }),
    serve(bus, subjects.cancelJob, async ({ jobId, owner }) => {
      await ctx.ownedJob(jobId, owner);
      ctx.publish(await store.cancelJob(jobId, now()));
      return jobStatus((await store.getJob(jobId))!);
    }, { queue, onError }),
    serve(bus, subjects.jobResults, async ({ jobId, owner, from, limit }) => {
      const job = await ctx.ownedJob(jobId, owner);
      const reduce = job.hasReduce ? await store.readReduceResult(jobId) : null;
      const total = job.chunks.total - (job.hasReduce && job.sealed ? 1 : 0);
      // Only chunks the job has are read: a one-chunk job's page is one store read, not one per batch of `limit`.
      const upTo = Math.min(limit, Math.max(0, total - from));
      // One bus message: the page is cut short rather than grow past the result limit (and room for the reduce value).
      const { chunks, through } = await resultsPage(store, jobId, from, upTo, Math.max(1, limits.resultBytes - (reduce?.length ?? 0)));
      return { state: job.state, hasReduce: job.hasReduce, total, chunks, ...(through === undefined ? {} : { through }), reduce, ...(job.error === undefined ? {} : { error: job.error }), status: jobStatus(job) };
    }, { queue, onError }),
    serve(bus, subjects.jobEvents, async ({ jobId, owner, after }) => {
      await ctx.ownedJob(jobId, owner);
      return { events: await store.readEvents(jobId, after, 10_000) };
    }, { queue, onError }),
    serve(bus, subjects.pricing, async () => ({ pricePerChunk: ctx.defaultPrice }), { queue, onError }),
    serve(bus, subjects.jobProgram, async ({ jobId }) => {
      const job = await store.getJob(jobId);
      if (!job) throw new MedusaError("not_found", `job ${jobId} not found`);
      return { owner: job.owner, program: await ctx.programs.resolve(jobId, job.program), timeoutMs: job.timeoutMs };
    }, { queue, onError }),
  ];
}
