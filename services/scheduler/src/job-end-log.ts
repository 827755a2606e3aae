import { errorFields, type ChunkStore, type JobEvent, type Logger } from "@medusa/core";

type JobEnd = Extract<JobEvent, { type: "done" | "failed" | "cancelled" }>;

/** One line per job that ends: how, whose, how many chunks, how long it took, and why it failed. */
export async function logJobEnd(store: ChunkStore, log: Logger, jobId: string, event: JobEnd): Promise<void> {
  try {
    const job = await store.getJob(jobId);
    const ms = job?.finishedAt === undefined ? undefined : job.finishedAt - job.createdAt;
    const fields = { jobId, owner: job?.owner, state: event.type, chunks: event.chunks, ms, ...(event.type === "failed" ? { reason: event.error } : {}) };
    log[event.type === "failed" ? "warn" : "info"](`job ${event.type}`, fields);
  } catch (err) {
    // The store closing under a late line is no reason to crash: the event itself went out.
    log.warn("job end not logged", { jobId, ...errorFields(err) });
  }
}
