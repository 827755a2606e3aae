import { describe, expect, test } from "bun:test";
import { chunksOf, jobRecord, T0, type ContractContext } from "./chunk-store.fixtures.ts";

/** Part of the ChunkStore contract: a job's split as a durable task (claimed, renewed, resumed, failed past maxAttempts). */
export function splitsContract(t: ContractContext): void {
  const request = (jobId: string) => JSON.stringify({ jobId, owner: "acct_1", spec: { input: { items: [1] } } });
  /** A job whose split must be claimed within 1 s. */
  async function splitJob(over: Parameters<typeof jobRecord>[0] = {}) {
    const job = jobRecord(over);
    await t.store.createJob(job, T0, { request: request(job.id), dueMs: 1000 });
    return job;
  }
  const dueIds = async (now: number) => (await t.store.requeueExpiredSplits(now, 100, 1000)).due.map((d) => d.jobId);

  describe("splits", () => {
    test("one holder at a time; only its batches, each where the last ended, are taken; only it seals", async () => {
      const job = await splitJob();
      const claim = (await t.store.claimSplit(job.id, "s1", T0, 5000))!;
      expect(claim.chunks).toBe(0);
      expect(await t.store.claimSplit(job.id, "s2", T0 + 10, 5000)).toBeNull();

      expect((await t.store.addChunks(job.id, chunksOf(2), { token: claim.token, at: 0 })).accepted).toBe(true);
      // A batch sent again after its reply was lost, another's token: refused, nothing added twice.
      expect((await t.store.addChunks(job.id, chunksOf(2), { token: claim.token, at: 0 })).accepted).toBe(false);
      expect((await t.store.addChunks(job.id, chunksOf(1), { token: "split_forged", at: 2 })).accepted).toBe(false);
      expect((await t.job(job.id)).chunks.total).toBe(2);

      expect(await t.store.renewSplit(job.id, claim.token, T0 + 4000, 5000)).toBe(true);
      expect(await t.store.renewSplit(job.id, "split_forged", T0 + 4000, 5000)).toBe(false);
      await t.store.sealJob(job.id, 20, T0, "split_forged");
      expect((await t.job(job.id)).sealed).toBe(false);
      await t.store.sealJob(job.id, 20, T0, claim.token);
      expect((await t.job(job.id)).sealed).toBe(true);
      expect(await t.store.claimSplit(job.id, "s2", T0 + 60_000, 5000)).toBeNull();
      expect(await dueIds(T0 + 60_000)).toEqual([]);
    });

    test("a lease that ran out is due again, counted; the next holder resumes after the chunks stored and the old one is shut out", async () => {
      const job = await splitJob();
      const first = (await t.store.claimSplit(job.id, "s1", T0, 1000))!;
      await t.store.addChunks(job.id, chunksOf(3), { token: first.token, at: 0 });
      expect(await dueIds(T0 + 999)).toEqual([]);
      const { due } = await t.store.requeueExpiredSplits(T0 + 1000, 100, 1000);
      expect(due).toEqual([{ jobId: job.id, request: request(job.id) }]);
      expect(await dueIds(T0 + 1500)).toEqual([]);

      const second = (await t.store.claimSplit(job.id, "s2", T0 + 1500, 1000))!;
      expect(second.chunks).toBe(3);
      expect(await t.store.renewSplit(job.id, first.token, T0 + 1500, 1000)).toBe(false);
      expect((await t.store.addChunks(job.id, chunksOf(1), { token: first.token, at: 3 })).accepted).toBe(false);
      expect((await t.store.addChunks(job.id, chunksOf(1), { token: second.token, at: 3 })).accepted).toBe(true);
      expect((await t.job(job.id)).chunks.total).toBe(4);
    });

    test("a split out of attempts fails its job with the reason, and refunds it", async () => {
      const job = await splitJob({ maxAttempts: 2, credits: { price: 1, held: 7, spent: 0 } });
      const claim = (await t.store.claimSplit(job.id, "s1", T0, 1000))!;
      await t.store.releaseSplit(job.id, claim.token, T0 + 10, "input file a.txt was changed while it was split");
      expect(await dueIds(T0 + 10)).toEqual([job.id]);
      // The second attempt's splitter dies: no release, its wait for a claim just runs out.
      const { events } = await t.store.requeueExpiredSplits(T0 + 1010, 100, 1000);
      const final = await t.job(job.id);
      expect(final.state).toBe("failed");
      expect(final.error).toBe("splitting the input failed 2 times: its splitter stopped answering");
      expect(events.map((e) => e.event.type)).toEqual(["failed"]);
      const refunds = (await t.store.pendingSettlements(1000)).filter((s) => s.jobId === job.id);
      expect(refunds.map((s) => [s.kind, s.amount])).toEqual([["refund", 7]]);
      expect(await dueIds(T0 + 60_000)).toEqual([]);
    });

    test("the reason given is the one the job fails with; a split handed back (a splitter shutting down) costs no attempt", async () => {
      const job = await splitJob({ maxAttempts: 1 });
      let claim = (await t.store.claimSplit(job.id, "s1", T0, 1000))!;
      await t.store.releaseSplit(job.id, claim.token, T0 + 10);
      expect(await dueIds(T0 + 10)).toEqual([job.id]);
      expect((await t.job(job.id)).state).toBe("queued");
      claim = (await t.store.claimSplit(job.id, "s2", T0 + 20, 1000))!;
      await t.store.releaseSplit(job.id, claim.token, T0 + 30, "the input could not be read");
      expect(await dueIds(T0 + 30)).toEqual([]);
      expect((await t.job(job.id)).error).toBe("splitting the input failed once: the input could not be read");
    });

    test("a job stopped mid-split ends its split", async () => {
      const job = await splitJob();
      const claim = (await t.store.claimSplit(job.id, "s1", T0, 1000))!;
      await t.store.cancelJob(job.id, T0 + 1);
      expect(await t.store.renewSplit(job.id, claim.token, T0 + 2, 1000)).toBe(false);
      expect(await dueIds(T0 + 60_000)).toEqual([]);
      expect(await t.store.claimSplit(job.id, "s2", T0 + 60_000, 1000)).toBeNull();
    });
  });
}
