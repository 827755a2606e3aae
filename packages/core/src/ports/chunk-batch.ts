import type { CompleteOutcome, LeaseHolder, Transition } from "./transition.ts";

/** One result of a node's batch: what completeChunk takes, as one record. */
export interface ChunkResult extends LeaseHolder {
  /** The JSON text of the chunk's results (see completeChunk). */
  results: string;
  /** What replicas vote with; absent, the text is its own hash. */
  hash?: string;
}

/** Each result's own outcome, in the order given, and the transition they made together. */
export interface BatchTransition extends Transition {
  /** `settled` as in CompleteTransition. */
  completed: Array<{ outcome: CompleteOutcome; disagreed: string[]; settled?: true }>;
}

/** A node reports many results per runner call: the store takes them as one transition, not one each. */
export interface ChunkBatches {
  /**
   * Every result as completeChunk would take it, in order, in one atomic
   * transition (one Lua script, one SQLite transaction). One result being
   * stale or its job final does not stop the others; the events of all of
   * them come back in the order they were appended.
   */
  completeChunks(results: ChunkResult[], now: number): Promise<BatchTransition>;
}
