import type { ChunkError, RunnableProgram } from "@medusa/core";

/** What the agent needs from the RunnerPool (node/src/runner/runner-pool.ts). */
export type ChunkOutcome = { ok: true; results: unknown } | { ok: false; error: ChunkError };

export interface ChunkRunner {
  run(
    job: { jobId: string; program: RunnableProgram; timeoutMs: number; stateful?: boolean; affinity?: string },
    chunk: { task: "map" | "reduce" | "setup" | "step"; items: unknown[] },
  ): Promise<ChunkOutcome>;
  dropJob(jobId: string): void;
  close(): Promise<void>;
}
