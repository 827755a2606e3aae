import type { PoolChunk, PoolJob } from "../runner/pool-types.ts";
import type { ChunkOutcome } from "../runner/protocol.ts";

export type { ChunkOutcome } from "../runner/protocol.ts";

/** What the agent needs from the RunnerPool (node/src/runner/runner-pool.ts); tests stand a HeldPool in its place. */
export interface ChunkRunner {
  run(job: PoolJob, chunk: PoolChunk): Promise<ChunkOutcome>;
  dropJob(jobId: string): void;
  close(): Promise<void>;
}
