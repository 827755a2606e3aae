import type { Logger } from "@medusa/core";

/** The lines a node's result is worth beyond its outcome: one single or batched completion writes the same ones. */
export function logResultOutcome(log: Logger, ref: { jobId: string; index: number; nodeId: string }, outcome: string, disagreed: string[]): void {
  const chunk = `${ref.jobId}#${ref.index}`;
  // Only a lease holder's result counts; anything else is a late, replayed or forged report, and worth a line.
  if (outcome === "stale" || outcome === "job_final") log.warn(`result for ${chunk} from node ${ref.nodeId} rejected: ${outcome} (the node holds no current lease on it)`);
  if (outcome === "rejected") log.warn(`result for ${chunk} from node ${ref.nodeId}: the replicas disagreed past the limit; the job failed`);
  for (const caught of disagreed) log.warn(`node ${caught} returned a result for ${chunk} that disagreed with the accepted one: its standing is reset and it is not paid`);
}
