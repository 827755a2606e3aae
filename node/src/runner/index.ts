/** The node's sandbox: the pool its agent calls, and the entry point of a runner process. */
export { RunnerPool, type PoolChunk, type PoolJob, type PoolOptions, type RunnerInfo } from "./runner-pool.ts";
export type { ChunkOutcome } from "./protocol.ts";
export { runRunner, type RunnerOptions } from "./runner-main.ts";
export { defaultPyodideIndexURL } from "./python-runtime.ts";
