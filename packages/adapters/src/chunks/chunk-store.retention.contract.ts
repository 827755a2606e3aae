import { describe, expect, test } from "bun:test";
import { holderOf, T0, type ContractContext } from "./chunk-store.fixtures.ts";

const DAY = 24 * 3600 * 1000;

/** Part of the ChunkStore contract: the lease check that serves binary items, and retention. */
export function retentionContract(t: ContractContext): void {
  describe("leasedInput", () => {
    test("answers only the node holding a live lease, with its token, while the job runs", async () => {
      const j = await t.newJob({ owner: "acct_bin" }, 2);
      const [lease] = (await t.store.leaseChunks("n1", 1, T0)).leases;
      const holder = holderOf(lease!, "n1");
      expect(await t.store.leasedInput(holder, T0 + 1)).toEqual({ owner: "acct_bin", input: lease!.input });
      expect(await t.store.leasedInput({ ...holder, token: "lease_guessed" }, T0 + 1)).toBeNull();
      expect(await t.store.leasedInput({ ...holder, nodeId: "n2" }, T0 + 1)).toBeNull();
      expect(await t.store.leasedInput({ ...holder, index: 1 }, T0 + 1)).toBeNull();
      expect(await t.store.leasedInput(holder, lease!.expiresAt)).toBeNull();
      await t.store.completeChunk(holder, "[]", T0 + 2);
      expect(await t.store.leasedInput(holder, T0 + 3)).toBeNull();
      const [second] = (await t.store.leaseChunks("n1", 1, T0)).leases;
      await t.store.cancelJob(j.id, T0 + 4);
      expect(await t.store.leasedInput(holderOf(second!, "n1"), T0 + 5)).toBeNull();
    });
  });

  describe("expireJobs", () => {
    test("a finished job past its retention is gone, remembered as expired; a running job stays", async () => {
      const done = await t.newJob({ owner: "acct_ret" }, 1, true);
      const [lease] = (await t.store.leaseChunks("n1", 1, T0)).leases;
      await t.store.completeChunk(holderOf(lease!, "n1"), "[42]", T0 + 10);
      const cancelled = await t.newJob({ owner: "acct_ret" }, 2);
      const [held] = (await t.store.leaseChunks("n2", 1, T0)).leases;
      await t.store.cancelJob(cancelled.id, T0 + 20);
      const running = await t.newJob({ owner: "acct_ret" }, 1);
      const options = { now: T0 + 7 * DAY + 20, limit: 100, forgetAfterMs: 7 * DAY };

      // Not yet: the cancelled job finished after the cutoff.
      const early = await t.store.expireJobs({ ...options, finishedBefore: T0 + 15 });
      expect(early.expired.map((e) => e.id)).toEqual([done.id]);
      expect(early.expired[0]).toEqual({ id: done.id, owner: "acct_ret", state: "done", finishedAt: T0 + 10, expiredAt: options.now });
      const later = await t.store.expireJobs({ ...options, finishedBefore: T0 + 20 });
      expect(later.expired.map((e) => [e.id, e.state])).toEqual([[cancelled.id, "cancelled"]]);
      expect(later.more).toBe(false);

      for (const gone of [done, cancelled]) {
        expect(await t.store.getJob(gone.id)).toBeNull();
        expect(await t.store.readResults(gone.id, 0, 10)).toEqual([]);
        expect(await t.store.readEvents(gone.id, 0, 10)).toEqual([]);
        expect(await t.store.expiredJob(gone.id)).toMatchObject({ id: gone.id, owner: "acct_ret", expiredAt: options.now });
      }
      expect(await t.store.readReduceResult(done.id)).toBeNull();
      expect(await t.store.leasedInput(holderOf(held!, "n2"), T0 + 30)).toBeNull();
      expect((await t.store.listJobs("acct_ret", 10)).map((j) => j.id)).toEqual([running.id]);
      expect(await t.store.expiredJob(running.id)).toBeNull();
      // The lease the cancelled job still had out is not swept back, nor released.
      expect((await t.store.requeueExpired(T0 + 8 * DAY, 10)).requeued).toBe(0);
      expect((await t.store.releaseNode("n2", T0 + 8 * DAY)).requeued).toBe(0);
      // The queue holds nothing of the expired jobs, only the running one.
      expect((await t.store.leaseChunks("n3", 5, T0 + 8 * DAY)).leases.map((l) => l.jobId)).toEqual([running.id]);
      expect(await t.store.expireJobs({ ...options, finishedBefore: T0 + 7 * DAY })).toEqual({ expired: [], more: false });
    });

    test("expires at most `limit` jobs per call and says more are due", async () => {
      const jobs = [await t.newJob({}, 0, true), await t.newJob({}, 0, true), await t.newJob({}, 0, true)];
      const options = { finishedBefore: T0 + DAY, now: T0 + DAY, limit: 2, forgetAfterMs: DAY };
      const first = await t.store.expireJobs(options);
      expect(first.expired).toHaveLength(2);
      expect(first.more).toBe(true);
      const second = await t.store.expireJobs(options);
      expect(second).toMatchObject({ more: false });
      expect([...first.expired, ...second.expired].map((e) => e.id).sort()).toEqual(jobs.map((j) => j.id).sort());
    });

    test("an expired job is forgotten once forgetAfterMs has passed", async () => {
      const j = await t.newJob({}, 0, true);
      await t.store.expireJobs({ finishedBefore: T0, now: T0 + 1000, limit: 10, forgetAfterMs: 40 });
      expect(await t.store.expiredJob(j.id)).not.toBeNull();
      // SQLite forgets by the `now` passed in; Redis by the expired record's own TTL, on its clock.
      await Bun.sleep(80);
      await t.store.expireJobs({ finishedBefore: T0, now: T0 + 1041, limit: 10, forgetAfterMs: 40 });
      expect(await t.store.expiredJob(j.id)).toBeNull();
    });
  });
}
