import type { JobRecord, JobStatus } from "@medusa/core";

/** The public view of a job record. Credits stay zero until the ledger settles jobs. */
export function jobStatus(job: JobRecord): JobStatus {
  return {
    id: job.id,
    name: job.name,
    state: job.state,
    chunks: job.chunks,
    sealed: job.sealed,
    items: job.items,
    credits: { held: 0, spent: 0 },
    createdAt: new Date(job.createdAt).toISOString(),
    ...(job.finishedAt ? { finishedAt: new Date(job.finishedAt).toISOString() } : {}),
    ...(job.error ? { error: job.error } : {}),
  };
}
