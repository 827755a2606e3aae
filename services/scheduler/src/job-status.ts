import { isFinal, type JobRecord, type JobStatus } from "@medusa/core";

/** The public view of a job record. Credits still in escrow are `held`; a final job holds none (the rest is refunded). */
export function jobStatus(job: JobRecord): JobStatus {
  const { held, spent } = job.credits;
  return {
    id: job.id,
    name: job.name,
    state: job.state,
    chunks: job.chunks,
    sealed: job.sealed,
    items: job.items,
    credits: { held: isFinal(job.state) ? 0 : held - spent, spent },
    createdAt: new Date(job.createdAt).toISOString(),
    ...(job.finishedAt ? { finishedAt: new Date(job.finishedAt).toISOString() } : {}),
    ...(job.error ? { error: job.error } : {}),
  };
}
