import { afterEach, beforeEach, describe } from "bun:test";
import type { ChunkStore, JobRecord } from "@medusa/core";
import { chunksOf, jobRecord, T0, type ContractContext, type ContractStoreOptions } from "./chunk-store.fixtures.ts";
import { backupsContract } from "./chunk-store.backups.contract.ts";
import { adaptiveContract } from "./chunk-store.adaptive.contract.ts";
import { batchesContract } from "./chunk-store.batches.contract.ts";
import { hoardingContract } from "./chunk-store.hoarding.contract.ts";
import { jobsAndLeasesContract } from "./chunk-store.jobs.contract.ts";
import { lifecycleContract } from "./chunk-store.lifecycle.contract.ts";
import { leaseOutcomesContract } from "./chunk-store.outcomes.contract.ts";
import { queuedContract } from "./chunk-store.queued.contract.ts";
import { renewalContract } from "./chunk-store.renewal.contract.ts";
import { replicasContract } from "./chunk-store.replicas.contract.ts";
import { retentionContract } from "./chunk-store.retention.contract.ts";
import { settlementsContract } from "./chunk-store.settlements.contract.ts";
import { splitsContract } from "./chunk-store.splits.contract.ts";

export { itemsChunk, jobRecord, type ContractStoreOptions } from "./chunk-store.fixtures.ts";

/**
 * The behaviour every ChunkStore adapter must share (Redis, SQLite). `make`
 * must return a store with nothing in it: a fresh prefix or database.
 */
export function chunkStoreContract(name: string, make: (options?: ContractStoreOptions) => Promise<ChunkStore>): void {
  describe(`${name} chunk store contract`, () => {
    let store: ChunkStore;
    beforeEach(async () => {
      store = await make();
    });
    afterEach(async () => {
      await store.close();
    });

    const context: ContractContext = {
      get store() {
        return store;
      },
      make,
      async newJob(over: Partial<JobRecord> = {}, n = 0, seal = false) {
        const job = jobRecord(over);
        await store.createJob(job, T0);
        if (n > 0) await store.addChunks(job.id, chunksOf(n));
        if (seal) await store.sealJob(job.id, n * 10, T0);
        return job;
      },
      job: async (id: string) => (await store.getJob(id))!,
    };

    jobsAndLeasesContract(context);
    leaseOutcomesContract(context);
    batchesContract(context);
    lifecycleContract(context);
    settlementsContract(context);
    replicasContract(context);
    adaptiveContract(context);
    queuedContract(context);
    retentionContract(context);
    hoardingContract(context);
    renewalContract(context);
    splitsContract(context);
    backupsContract(context);
  });
}
