import { describe, expect, test } from "bun:test";
import { leaseMsFor } from "@medusa/core";
import { chunksOf, codeOf, holderOf, itemsChunk, jobRecord, refs, T0, type ContractContext } from "./chunk-store.fixtures.ts";

/** Part of the ChunkStore contract: creating, filling, sealing and leasing jobs. */
export function jobsAndLeasesContract(t: ContractContext): void {
  describe("createJob, getJob, listJobs", () => {
    test("stores a queued, empty, unsealed job and appends progress #1", async () => {
      const j = jobRecord({ state: "running", sealed: true, chunks: { total: 9, done: 9, running: 0, failed: 0 } });
      const { events } = await t.store.createJob(j, T0);
      const chunks = { total: 0, done: 0, running: 0, failed: 0 };
      expect(events).toEqual([{ jobId: j.id, event: { id: 1, type: "progress", state: "queued", chunks, sealed: false } }]);
      expect(await t.store.getJob(j.id)).toEqual({ ...j, state: "queued", sealed: false, chunks });
    });

    test("a job's program is kept whole, the packages pinned for it included", async () => {
      const wheel = { name: "medusa-base", version: "1.0", fileName: "medusa_base-1.0-py3-none-any.whl", sha256: "ab".repeat(32), depends: [], installDir: "site" as const, source: "mirror" as const };
      const j = jobRecord({ program: { runtime: "python", source: "import medusa_base\ndef map(x):\n    return x", packages: { abiVersion: "2026_0", wheels: [wheel] } } });
      await t.store.createJob(j, T0);
      expect((await t.store.getJob(j.id))!.program).toEqual(j.program);
    });

    test("a second job with the same id is a conflict; a missing job reads as null", async () => {
      const j = await t.newJob();
      expect(await codeOf(t.store.createJob(j, T0))).toBe("conflict");
      expect(await t.store.getJob("job_missing")).toBeNull();
    });

    test("listJobs gives the owner's jobs, newest first, up to the limit", async () => {
      const a = await t.newJob({ owner: "acct_L", createdAt: T0 + 1 });
      const b = await t.newJob({ owner: "acct_L", createdAt: T0 + 3 });
      const c = await t.newJob({ owner: "acct_L", createdAt: T0 + 2 });
      await t.newJob({ owner: "acct_other", createdAt: T0 + 4 });
      expect((await t.store.listJobs("acct_L", 10)).map((j) => j.id)).toEqual([b.id, c.id, a.id]);
      expect((await t.store.listJobs("acct_L", 2)).map((j) => j.id)).toEqual([b.id, c.id]);
      expect(await t.store.listJobs("acct_nobody", 10)).toEqual([]);
    });

    test("listJobs pages on from a job: `before` gives the owner's jobs older than it, ties broken by id", async () => {
      const ids = [];
      for (const at of [1, 2, 2, 2, 3]) ids.push((await t.newJob({ owner: "acct_P", createdAt: T0 + at })).id);
      await t.newJob({ owner: "acct_Q", createdAt: T0 + 2 });
      const all = (await t.store.listJobs("acct_P", 10)).map((j) => j.id);
      expect(all).toHaveLength(5);
      const pages: string[][] = [];
      let before: string | undefined;
      for (let n = 0; n < 10; n++) {
        const page = (await t.store.listJobs("acct_P", 2, before)).map((j) => j.id);
        if (page.length === 0) break;
        pages.push(page);
        before = page.at(-1);
      }
      expect(pages.map((p) => p.length)).toEqual([2, 2, 1]);
      expect(pages.flat()).toEqual(all);
      expect(await t.store.listJobs("acct_P", 10, "job_missing")).toEqual([]);
      expect(await t.store.listJobs("acct_Q", 10, ids[0])).toEqual([]);
    });
  });

  describe("addChunks", () => {
    test("numbers chunks on from chunks.total and appends one progress event per call", async () => {
      const j = await t.newJob();
      const first = await t.store.addChunks(j.id, [itemsChunk(0, 2), itemsChunk(2, 2)]);
      expect(first.accepted).toBe(true);
      expect(first.events.map((e) => e.event)).toEqual([
        { id: 2, type: "progress", state: "queued", chunks: { total: 2, done: 0, running: 0, failed: 0 }, sealed: false },
      ]);
      await t.store.addChunks(j.id, [{ offset: 4, count: 1, input: { kind: "range", start: 4, stop: 5, step: 1 } }]);
      expect((await t.job(j.id)).chunks.total).toBe(3);
      const { leases } = await t.store.leaseChunks("n1", 10, T0);
      expect(leases.map((l) => [l.index, l.offset, l.task, l.attempt])).toEqual([[0, 0, "map", 1], [1, 2, "map", 1], [2, 4, "map", 1]]);
      expect(leases[1]!.input).toEqual({ kind: "items", items: [2, 3] });
      expect(leases[2]!.input).toEqual({ kind: "range", start: 4, stop: 5, step: 1 });
    });

    test("keeps item values exactly (floats, strings, nested)", async () => {
      const j = await t.newJob();
      const items = [0.1 + 0.2, 1e-300, 12345678901234567890, "a\"b\\c/é", { x: [null, true] }];
      await t.store.addChunks(j.id, [{ offset: 0, count: items.length, input: { kind: "items", items } }]);
      const { leases } = await t.store.leaseChunks("n1", 1, T0);
      expect(leases[0]!.input).toEqual({ kind: "items", items });
    });

    test("a missing job is not_found; a sealed job is a conflict", async () => {
      expect(await codeOf(t.store.addChunks("job_missing", chunksOf(1)))).toBe("not_found");
      const j = await t.newJob({}, 1, true);
      expect(await codeOf(t.store.addChunks(j.id, chunksOf(1)))).toBe("conflict");
    });

    test("after cancel returns accepted false and adds nothing", async () => {
      const j = await t.newJob({}, 1);
      await t.store.cancelJob(j.id, T0);
      expect(await t.store.addChunks(j.id, chunksOf(2))).toEqual({ accepted: false, events: [], queued: 0 });
      expect((await t.job(j.id)).chunks.total).toBe(1);
    });
  });

  describe("sealJob", () => {
    test("an empty job without reduce is done at once", async () => {
      const j = await t.newJob();
      const { events } = await t.store.sealJob(j.id, 0, T0 + 5);
      expect(events.map((e) => e.event.type)).toEqual(["progress", "done"]);
      expect(events[0]!.event).toMatchObject({ sealed: true });
      const after = await t.job(j.id);
      expect(after).toMatchObject({ state: "done", sealed: true, items: 0, finishedAt: T0 + 5 });
    });

    test("an empty job with reduce queues its reduce chunk (index 0) at once", async () => {
      const j = await t.newJob({ hasReduce: true });
      const { events } = await t.store.sealJob(j.id, 0, T0);
      expect(events.map((e) => e.event.type)).toEqual(["progress"]);
      expect((await t.job(j.id)).chunks.total).toBe(1);
      const { leases } = await t.store.leaseChunks("n1", 5, T0);
      expect(leases.map((l) => [l.index, l.task, l.offset])).toEqual([[0, "reduce", 0]]);
      expect(leases[0]!.input).toEqual({ kind: "results" });
      const done = await t.store.completeChunk(holderOf(leases[0]!, "n1"), "42", T0 + 1);
      expect(done.events.map((e) => e.event.type)).toEqual(["chunk", "done"]);
      expect(await t.store.readReduceResult(j.id)).toBe("42");
      expect(await t.store.readResults(j.id, 0, 10)).toEqual([]);
    });

    test("sealing twice, or a final job, changes nothing; a missing job is not_found", async () => {
      const j = await t.newJob({}, 1);
      await t.store.sealJob(j.id, 10, T0);
      expect((await t.store.sealJob(j.id, 99, T0)).events).toEqual([]);
      expect((await t.job(j.id)).items).toBe(10);
      const k = await t.newJob({ hasReduce: true }, 1);
      await t.store.cancelJob(k.id, T0);
      expect((await t.store.sealJob(k.id, 10, T0)).events).toEqual([]);
      expect(await t.job(k.id)).toMatchObject({ sealed: false, state: "cancelled", chunks: { total: 1 } });
      expect(await codeOf(t.store.sealJob("job_missing", 0, T0))).toBe("not_found");
    });
  });

  describe("leaseChunks", () => {
    test("leases FIFO across jobs, in the order chunks were added", async () => {
      const a = await t.newJob({}, 2);
      const b = await t.newJob({}, 2);
      await t.store.addChunks(a.id, [itemsChunk(20, 10)]);
      const first = await t.store.leaseChunks("n1", 3, T0);
      const second = await t.store.leaseChunks("n2", 3, T0);
      expect(refs(first.leases)).toEqual([`${a.id}:0`, `${a.id}:1`, `${b.id}:0`]);
      expect(refs(second.leases)).toEqual([`${b.id}:1`, `${a.id}:2`]);
    });

    test("respects max, sets the lease, and moves a job to running once", async () => {
      const j = await t.newJob({ timeoutMs: 3_000 }, 3);
      expect((await t.store.leaseChunks("n1", 0, T0)).leases).toEqual([]);
      const first = await t.store.leaseChunks("n1", 2, T0 + 7);
      expect(first.leases).toHaveLength(2);
      expect(first.leases[0]).toMatchObject({ jobId: j.id, index: 0, attempt: 1, expiresAt: T0 + 7 + leaseMsFor(3_000) });
      expect(first.leases[0]!.token).not.toBe(first.leases[1]!.token);
      expect(first.events.map((e) => e.event)).toEqual([
        { id: 3, type: "progress", state: "running", chunks: { total: 3, done: 0, running: 1, failed: 0 }, sealed: false },
        { id: 4, type: "leased", index: 0, task: "map", nodeId: "n1", chunks: { total: 3, done: 0, running: 1, failed: 0 } },
        { id: 5, type: "leased", index: 1, task: "map", nodeId: "n1", chunks: { total: 3, done: 0, running: 2, failed: 0 } },
      ]);
      const second = await t.store.leaseChunks("n2", 5, T0);
      expect(second.leases.map((l) => l.index)).toEqual([2]);
      // Each lease names its chunk and node, so a job's page can show which chunks run.
      expect(second.events.map((e) => e.event)).toEqual([
        { id: 6, type: "leased", index: 2, task: "map", nodeId: "n2", chunks: { total: 3, done: 0, running: 3, failed: 0 } },
      ]);
      expect((await t.job(j.id)).chunks).toEqual({ total: 3, done: 0, running: 3, failed: 0 });
      expect((await t.store.leaseChunks("n3", 5, T0)).leases).toEqual([]);
    });

    test("a node that runs only some runtimes leaves other jobs' chunks queued for other nodes, in order", async () => {
      const py = await t.newJob({}, 2);
      const wasi = await t.newJob({ program: { runtime: "wasi", module: "m.wasm" } }, 1);
      const { leases } = await t.store.leaseChunks("n_wasi", 5, T0, { runtimes: ["wasi"] });
      expect(leases.map((l) => l.jobId)).toEqual([wasi.id]);
      expect((await t.store.leaseChunks("n_py", 5, T0, { runtimes: ["python", "wasi"] })).leases.map((l) => `${l.jobId === py.id ? "py" : "?"}#${l.index}`)).toEqual(["py#0", "py#1"]);
    });
  });
}
