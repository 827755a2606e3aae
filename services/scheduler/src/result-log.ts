import type { Logger } from "@medusa/core";

/** The lines a node's result is worth beyond its outcome: one single or batched completion writes the same ones. */
export function logResultOutcome(log: Logger, ref: { jobId: string; index: number; nodeId: string }, t: { outcome: string; disagreed: string[]; settled?: true }): void {
  const chunk = `${ref.jobId}#${ref.index}`;
  // A backup's or an extra replica's loser answers after its chunk or its job was settled: expected, and counted by outcome in the metrics.
  if (t.outcome === "job_final") log.debug(`result for ${chunk} from node ${ref.nodeId} rejected: job_final (the job was over before it came)`);
  else if (t.outcome === "stale" && t.settled) log.debug(`result for ${chunk} from node ${ref.nodeId} rejected: stale (another node's result settled the chunk first)`);
  // Otherwise only a lease holder's result counts; anything else is a late (its lease ran out), replayed or forged report, and worth a line.
  else if (t.outcome === "stale") log.warn(`result for ${chunk} from node ${ref.nodeId} rejected: stale (the node holds no current lease on it)`);
  if (t.outcome === "rejected") log.warn(`result for ${chunk} from node ${ref.nodeId}: the replicas disagreed past the limit; the job failed`);
  for (const caught of t.disagreed) log.warn(`node ${caught} returned a result for ${chunk} that disagreed with the accepted one: its standing is reset and it is not paid`);
}
