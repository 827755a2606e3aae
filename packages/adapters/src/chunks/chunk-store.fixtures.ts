import { MedusaError } from "@medusa/core";
import type { ChunkLease, ChunkStore, JobRecord, LeaseHolder, NewChunk } from "@medusa/core";

/** Shared pieces of the ChunkStore contract suite. */
export interface ContractStoreOptions {
  maxEvents?: number;
}

/** What each part of the contract gets: the current test's store and helpers over it. */
export interface ContractContext {
  readonly store: ChunkStore;
  make(options?: ContractStoreOptions): Promise<ChunkStore>;
  /** Creates a job, adds `n` chunks of 10 items, and optionally seals it. */
  newJob(over?: Partial<JobRecord>, n?: number, seal?: boolean): Promise<JobRecord>;
  job(id: string): Promise<JobRecord>;
}

export const T0 = 1_700_000_000_000;
let jobSeq = 0;

export function jobRecord(over: Partial<JobRecord> = {}): JobRecord {
  jobSeq += 1;
  return {
    id: `job_${jobSeq}${Math.random().toString(36).slice(2, 8)}`,
    owner: "acct_1",
    name: "test",
    program: { runtime: "python", source: "def map(x):\n    return x" },
    hasReduce: false,
    state: "queued",
    chunks: { total: 0, done: 0, running: 0, failed: 0 },
    sealed: false,
    items: 0,
    timeoutMs: 1_000,
    maxAttempts: 3,
    replicas: 1,
    quorum: 1,
    credits: { price: 0, held: 0, spent: 0 },
    createdAt: T0,
    ...over,
  };
}

/** A chunk of `count` items starting at item `offset` (the items are their own indexes). */
export const itemsChunk = (offset: number, count: number): NewChunk => ({
  offset,
  count,
  input: { kind: "items", items: Array.from({ length: count }, (_, i) => offset + i) },
});

/** `n` chunks of `size` items each. */
export const chunksOf = (n: number, size = 10) => Array.from({ length: n }, (_, i) => itemsChunk(i * size, size));
export const holderOf = (l: ChunkLease, nodeId: string): LeaseHolder => ({ jobId: l.jobId, index: l.index, token: l.token, nodeId });
export const refs = (leases: ChunkLease[]) => leases.map((l) => `${l.jobId}:${l.index}`);

export async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (err instanceof MedusaError) return err.code;
    throw err;
  }
  throw new Error("expected a MedusaError, got success");
}
