import { describe, expect, test } from "bun:test";
import { BACKUP_FLOOR_MS, BACKUP_NO_RESULT_MS, type Settlement } from "@medusa/core";
import { holderOf, refs, T0, type ContractContext } from "./chunk-store.fixtures.ts";

/** Part of the ChunkStore contract: backup leases at the queue's end (LeaseOptions.backups). */
export function backupsContract(t: ContractContext): void {
  const priced = { credits: { price: 2, held: 40, spent: 0 } };
  const backups = { backups: true } as const;
  // Past the straggler time of a job with no accepted result: every lease taken at T0 or T0 + 1 may be backed up.
  const LATE = T0 + BACKUP_NO_RESULT_MS + 1;
  const payouts = async (jobId: string) =>
    (await t.store.pendingSettlements(1000))
      .filter((s): s is Extract<Settlement, { kind: "payout" }> => s.kind === "payout" && s.jobId === jobId)
      .map((s) => s.key)
      .sort();

  describe("backup leases", () => {
    test("only of stragglers: with no accepted result yet, a lease waits BACKUP_NO_RESULT_MS for a backup", async () => {
      const j = await t.newJob({}, 1, true);
      const [held] = (await t.store.leaseChunks("n1", 1, T0, backups)).leases;
      expect((await t.store.leaseChunks("n2", 1, T0 + 1, backups)).leases).toEqual([]);
      expect((await t.store.leaseChunks("n2", 1, T0 + BACKUP_NO_RESULT_MS - 1, backups)).leases).toEqual([]);
      expect(refs((await t.store.leaseChunks("n2", 1, T0 + BACKUP_NO_RESULT_MS, backups)).leases)).toEqual([`${j.id}:0`]);
      // A report from a node that holds no lease on a chunk still open is stale, and not settled.
      const forged = await t.store.completeChunk({ ...holderOf(held!, "n3"), token: "lease_forged" }, "[1]", T0 + BACKUP_NO_RESULT_MS);
      expect(forged.outcome).toBe("stale");
      expect(forged.settled).toBeUndefined();
    });

    test("with results in, a straggler is a lease held twice the job's mean lease-to-result time", async () => {
      const j = await t.newJob({}, 4, true);
      const [c0, c1] = (await t.store.leaseChunks("n1", 2, T0, backups)).leases;
      // 300 ms and 500 ms from lease to result, one alone and one in a batch: a mean of 400, backups after 800.
      expect((await t.store.completeChunk(holderOf(c0!, "n1"), "[0]", T0 + 300)).outcome).toBe("accepted");
      expect((await t.store.completeChunks([{ ...holderOf(c1!, "n1"), results: "[1]" }], T0 + 500)).completed[0]!.outcome).toBe("accepted");
      expect(refs((await t.store.leaseChunks("n1", 2, T0 + 500, backups)).leases)).toEqual([`${j.id}:2`, `${j.id}:3`]);
      expect((await t.store.leaseChunks("n2", 2, T0 + 1299, backups)).leases).toEqual([]);
      expect(refs((await t.store.leaseChunks("n2", 2, T0 + 1300, backups)).leases).sort()).toEqual([`${j.id}:2`, `${j.id}:3`]);
    });

    test("however fast a job's results, a lease is held BACKUP_FLOOR_MS before it gets a backup", async () => {
      const j = await t.newJob({}, 2, true);
      const [c0] = (await t.store.leaseChunks("n1", 1, T0, backups)).leases;
      await t.store.completeChunk(holderOf(c0!, "n1"), "[0]", T0 + 10);
      await t.store.leaseChunks("n1", 1, T0 + 10, backups);
      expect((await t.store.leaseChunks("n2", 1, T0 + 10 + BACKUP_FLOOR_MS - 1, backups)).leases).toEqual([]);
      expect(refs((await t.store.leaseChunks("n2", 1, T0 + 10 + BACKUP_FLOOR_MS, backups)).leases)).toEqual([`${j.id}:1`]);
    });

    test("only once the queue is empty, newest lease first, never of the node's own chunks, at most one per chunk", async () => {
      const j = await t.newJob({}, 3, true);
      expect(refs((await t.store.leaseChunks("n1", 2, T0, backups)).leases)).toEqual([`${j.id}:0`, `${j.id}:1`]);
      // Chunk 2 is still queued: n2 gets it, not a backup.
      expect(refs((await t.store.leaseChunks("n2", 1, T0 + 1, backups)).leases)).toEqual([`${j.id}:2`]);
      // Queue empty: n3 backs up n2's chunk 2 (the newest lease), then n1's chunk 1.
      const b = (await t.store.leaseChunks("n3", 2, LATE, backups)).leases;
      expect(b.map((l) => [l.index, l.attempt])).toEqual([[2, 2], [1, 2]]);
      // A chunk has at most one backup, and a node is never its own backup.
      expect((await t.store.leaseChunks("n1", 5, LATE + 1, backups)).leases).toEqual([]);
      expect((await t.store.leaseChunks("n4", 5, LATE + 1, backups)).leases.map((l) => l.index)).toEqual([0]);
      expect((await t.store.leaseChunks("n5", 5, LATE + 1, backups)).leases).toEqual([]);
      expect((await t.job(j.id)).chunks).toEqual({ total: 3, done: 0, running: 6, failed: 0 });
      // Without the option nothing changes.
      const k = await t.newJob({}, 1, true);
      await t.store.leaseChunks("n1", 1, T0, {});
      expect((await t.store.leaseChunks("n6", 1, LATE)).leases).toEqual([]);
      expect((await t.job(k.id)).chunks.running).toBe(1);
    });

    test("the first result is accepted and paid once; the other lease's result is stale and earns nothing", async () => {
      const j = await t.newJob(priced, 1, true);
      const [first] = (await t.store.leaseChunks("n1", 1, T0, backups)).leases;
      const [backup] = (await t.store.leaseChunks("n2", 1, LATE, backups)).leases;
      expect(backup!.index).toBe(first!.index);
      const won = await t.store.completeChunk(holderOf(backup!, "n2"), "[2]", LATE + 1, "h");
      expect(won.outcome).toBe("accepted");
      expect(won.events.map((e) => e.event.type)).toEqual(["chunk", "done"]);
      expect((await t.job(j.id)).chunks).toEqual({ total: 1, done: 1, running: 0, failed: 0 });
      const late = await t.store.completeChunk(holderOf(first!, "n1"), "[2]", LATE + 2, "h");
      expect(["stale", "job_final"]).toContain(late.outcome);
      expect(await t.store.readResults(j.id, 0, 10)).toMatchObject([{ index: 0, results: "[2]" }]);
      expect(await payouts(j.id)).toEqual([`payout:${j.id}:0:n2`]);
      expect((await t.job(j.id)).credits.spent).toBe(2);
    });

    test("the holder's result first: the backup loses, and the job's results stay in chunk order", async () => {
      const j = await t.newJob(priced, 3, true);
      const own = (await t.store.leaseChunks("n1", 3, T0, backups)).leases;
      const extra = (await t.store.leaseChunks("n2", 3, LATE, backups)).leases;
      expect(extra.map((l) => l.index)).toEqual([2, 1, 0]);
      // n2 wins chunk 2, n1 the others; each loser's report is stale, and says the chunk was settled.
      expect((await t.store.completeChunk(holderOf(extra[0]!, "n2"), "[20]", LATE + 1)).outcome).toBe("accepted");
      expect((await t.store.completeChunk(holderOf(own[0]!, "n1"), "[0]", LATE + 2)).outcome).toBe("accepted");
      expect(await t.store.completeChunk(holderOf(own[2]!, "n1"), "[99]", LATE + 3)).toMatchObject({ outcome: "stale", settled: true });
      expect((await t.store.completeChunks([{ ...holderOf(extra[2]!, "n2"), results: "[0]" }], LATE + 4)).completed).toEqual([{ outcome: "stale", disagreed: [], settled: true }]);
      expect((await t.store.completeChunk(holderOf(own[1]!, "n1"), "[10]", LATE + 5)).outcome).toBe("accepted");
      expect(["stale", "job_final"]).toContain((await t.store.completeChunk(holderOf(extra[1]!, "n2"), "[10]", LATE + 6)).outcome);
      expect((await t.job(j.id)).state).toBe("done");
      expect(await t.store.readResults(j.id, 0, 10)).toMatchObject([
        { index: 0, results: "[0]" },
        { index: 1, results: "[10]" },
        { index: 2, results: "[20]" },
      ]);
      expect(await payouts(j.id)).toEqual([`payout:${j.id}:0:n1`, `payout:${j.id}:1:n1`, `payout:${j.id}:2:n2`]);
    });

    test("a backup that fails leaves the holder's lease alone and requeues nothing", async () => {
      const j = await t.newJob({}, 1, true);
      const [held] = (await t.store.leaseChunks("n1", 1, T0, backups)).leases;
      const [backup] = (await t.store.leaseChunks("n2", 1, LATE, backups)).leases;
      expect((await t.store.failChunk(holderOf(backup!, "n2"), { message: "boom" }, LATE + 1)).outcome).toBe("accepted");
      expect((await t.store.leaseChunks("n3", 1, LATE + 2)).leases).toEqual([]);
      expect((await t.store.completeChunk(holderOf(held!, "n1"), "[1]", LATE + 3)).outcome).toBe("accepted");
      expect((await t.job(j.id)).chunks).toMatchObject({ total: 1, done: 1, running: 0 });
    });

    test("no backup of a lease past its expiry: the sweeper requeues it instead", async () => {
      const j = await t.newJob({}, 1, true);
      const [held] = (await t.store.leaseChunks("n1", 1, T0, backups)).leases;
      expect((await t.store.leaseChunks("n2", 1, held!.expiresAt, backups)).leases).toEqual([]);
      expect((await t.store.leaseChunks("n2", 1, held!.expiresAt - 1, backups)).leases.map((l) => l.jobId)).toEqual([j.id]);
    });

    test("no backups of replicated or auto jobs", async () => {
      const r = await t.newJob({ replicas: 2, quorum: 2 }, 1, true);
      await t.store.leaseChunks("n1", 1, T0, backups);
      await t.store.leaseChunks("n2", 1, T0, backups);
      expect((await t.store.leaseChunks("n3", 1, LATE, backups)).leases).toEqual([]);
      const a = await t.newJob({ replicas: "auto", quorum: 2 }, 1, true);
      expect((await t.store.leaseChunks("n4", 1, T0, { ...backups, owner: "acct_x" })).leases[0]?.jobId).toBe(a.id);
      expect((await t.store.leaseChunks("n5", 5, LATE, { ...backups, owner: "acct_y" })).leases.filter((l) => l.jobId === a.id && l.attempt > 2)).toEqual([]);
      expect((await t.job(r.id)).chunks.running).toBe(2);
    });
  });
}
