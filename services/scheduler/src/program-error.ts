import type { ChunkError, ChunkStore } from "@medusa/core";

/**
 * A chunk failed because its program cannot load anywhere (a Python
 * SyntaxError, found by compiling it before anything runs): retrying on
 * other nodes only costs attempts. The node's word is taken alone only where
 * one node's answer would be, a job with quorum 1; a replicated job goes
 * through its retries as usual, so one lying node cannot fail it.
 * Returns the job's error, or null when the job should go on.
 */
export async function programCannotLoad(store: ChunkStore, jobId: string, error: ChunkError): Promise<string | null> {
  if (error.deterministic !== true) return null;
  const job = await store.getJob(jobId);
  if (!job || job.quorum !== 1 || job.replicas === "auto") return null;
  return `the program does not compile, so no chunk was retried: ${error.message}`;
}
