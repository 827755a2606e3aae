import { until } from "@medusa/testing/until";
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DirectSettlements, FolderBlobStore, MemoryBus, SqliteChunkStore } from "@medusa/adapters";
import { call, listen, events, MedusaError, subjects, type Bus, type ChunkLease, type JobEvent } from "@medusa/core";
import { serveSplitter } from "@medusa/splitter";
import { serveScheduler } from "@medusa/scheduler";

/** Scheduler + real splitter + SQLite chunk state over the in-process bus; a scripted node leases over the bus. */
let dir: string;
let bus: Bus;
let clock: number;
/** The scheduler's log lines. */
let logged: string[];
let closeAll: () => Promise<void>;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "medusa-sched-"));
  bus = new MemoryBus();
  clock = 1_000_000;
  logged = [];
  const blobs = new FolderBlobStore(join(dir, "blobs"));
  const store = new SqliteChunkStore(":memory:");
  const splitter = serveSplitter(bus, { blobs });
  // Free jobs: pricing and settlement have their own tests (settlement.test.ts).
  const scheduler = serveScheduler(bus, { store, blobs, settlements: new DirectSettlements(), pricePerChunk: 0, now: () => clock, sweepMs: 20, log: (m) => logged.push(m) });
  closeAll = async () => {
    await scheduler.close();
    await splitter.close();
    await bus.drain();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  };
});
afterEach(() => closeAll());

const py = (source: string) => ({ runtime: "python" as const, source });
const squares = py("def map(x):\n    return x * x\n");

async function leaseAll(nodeId: string, max = 100): Promise<ChunkLease[]> {
  return until(async () => {
    const { leases } = await call(bus, subjects.leaseChunks, { nodeId, owner: nodeId, max });
    return leases.length ? leases : undefined;
  });
}

function runLocally(lease: ChunkLease): unknown[] {
  if (lease.input.kind === "range") {
    const out: number[] = [];
    for (let x = lease.input.start; x < lease.input.stop; x += lease.input.step) out.push(x * x);
    return out;
  }
  if (lease.input.kind === "items") return lease.input.items.map((x) => (x as number) * (x as number));
  throw new Error(`unexpected input ${lease.input.kind}`);
}

describe("scheduler service", () => {
  test("a range job is split, leased, completed and read back in input order", async () => {
    const job = await call(bus, subjects.createJob, { owner: "acc_a", spec: { program: squares, input: { range: { start: 0, stop: 250 } }, chunkSize: 100 } });
    expect(job.state).toBe("queued");
    const seen: JobEvent[] = [];
    const sub = listen(bus, events.jobEvents, (batch) => void seen.push(...batch), { subject: events.jobEvents.subject(job.id) });

    const leases = await until(async () => {
      const status = await call(bus, subjects.getJob, { owner: "acc_a", jobId: job.id });
      return status.sealed ? leaseAll("node_1") : undefined;
    });
    expect(leases.map((l) => l.index)).toEqual([0, 1, 2]);
    // Complete out of order: results still come back in input order.
    for (const lease of [...leases].reverse()) {
      const r = await call(bus, subjects.completeChunk, { nodeId: "node_1", jobId: job.id, index: lease.index, token: lease.token, results: JSON.stringify(runLocally(lease)) });
      expect(r.outcome).toBe("accepted");
    }
    const status = await call(bus, subjects.getJob, { owner: "acc_a", jobId: job.id });
    expect(status.state).toBe("done");
    expect(status.chunks).toEqual({ total: 3, done: 3, running: 0, failed: 0 });
    const page = await call(bus, subjects.jobResults, { owner: "acc_a", jobId: job.id, from: 0, limit: 10 });
    const flat = page.chunks.flatMap((c) => JSON.parse(c.results));
    expect(flat).toEqual(Array.from({ length: 250 }, (_, i) => i * i));

    await until(async () => (seen.some((e) => e.type === "done") ? true : undefined));
    const stored = await call(bus, subjects.jobEvents, { owner: "acc_a", jobId: job.id, after: 0 });
    expect(stored.events.map((e) => e.id)).toEqual(stored.events.map((_, i) => i + 1));
    sub.subscription.unsubscribe();
  });

  test("a job of a few chunks is cut by the scheduler itself, sealed when createJob answers; a bigger one goes to a splitter", async () => {
    const asked: unknown[] = [];
    const spy = bus.subscribe(subjects.splitJob.subject);
    void (async () => {
      for await (const m of spy) asked.push(m.subject);
    })();
    const small = await call(bus, subjects.createJob, { owner: "acc_a", spec: { program: squares, input: { items: [1, 2, 3, 4, 5, 6, 7, 8] }, chunkSize: 1 } });
    expect(small).toMatchObject({ sealed: true, items: 8, chunks: { total: 8, done: 0 } });
    const leases = await leaseAll("node_1");
    expect(leases.map((l) => [l.index, l.input])).toEqual([1, 2, 3, 4, 5, 6, 7, 8].map((x, i) => [i, { kind: "items", items: [x] }]));
    for (const l of leases) await call(bus, subjects.completeChunk, { nodeId: "node_1", jobId: small.id, index: l.index, token: l.token, results: JSON.stringify(runLocally(l)) });
    const page = await call(bus, subjects.jobResults, { owner: "acc_a", jobId: small.id, from: 0, limit: 100 });
    expect(page.state).toBe("done");
    expect(page.chunks.map((c) => JSON.parse(c.results))).toEqual([[1], [4], [9], [16], [25], [36], [49], [64]]);
    await bus.flush();
    expect(asked).toEqual([]);

    const big = await call(bus, subjects.createJob, { owner: "acc_a", spec: { program: squares, input: { range: { start: 0, stop: 9 } }, chunkSize: 1 } });
    expect(big.sealed).toBe(false);
    await until(async () => (asked.length === 1 ? true : undefined));
    await until(async () => ((await call(bus, subjects.getJob, { owner: "acc_a", jobId: big.id })).sealed ? true : undefined));
    spy.unsubscribe();
  });

  test("another account's job is not found, and so is an unknown one", async () => {
    const job = await call(bus, subjects.createJob, { owner: "acc_a", spec: { program: squares, input: { items: [1] } } });
    for (const req of [{ owner: "acc_b", jobId: job.id }, { owner: "acc_a", jobId: "job_nope" }]) {
      const err = await call(bus, subjects.getJob, req).catch((e) => e);
      expect(err).toBeInstanceOf(MedusaError);
      expect((err as MedusaError).code).toBe("not_found");
      expect(((await call(bus, subjects.cancelJob, req).catch((e) => e)) as MedusaError).code).toBe("not_found");
    }
  });

  test("a chunk that keeps failing fails the job with the program's message and the global item index", async () => {
    const job = await call(bus, subjects.createJob, { owner: "acc_a", spec: { program: squares, input: { items: [0, 1, 2, 3, 4, 5] }, chunkSize: 3, maxAttempts: 2 } });
    for (let attempt = 1; attempt <= 2; attempt++) {
      const leases = await leaseAll("node_1");
      const second = leases.find((l) => l.index === 1)!;
      expect(second.attempt).toBe(attempt);
      await call(bus, subjects.failChunk, { nodeId: "node_1", jobId: job.id, index: 1, token: second.token, error: { message: "ZeroDivisionError: division by zero", itemIndex: 2 } });
    }
    const status = await call(bus, subjects.getJob, { owner: "acc_a", jobId: job.id });
    expect(status.state).toBe("failed");
    expect(status.error).toContain("ZeroDivisionError: division by zero");
    expect(status.error).toContain("item 5");
  });

  test("a program that does not compile fails its job on the first report, where one node's word counts; a replicated job retries", async () => {
    const syntax = { message: "SyntaxError: '(' was never closed (line 2)", deterministic: true as const };
    const alone = await call(bus, subjects.createJob, { owner: "acc_a", spec: { program: squares, input: { items: [1, 2, 3, 4] }, chunkSize: 2, maxAttempts: 3 } });
    const [first] = await leaseAll("node_1");
    // A report from a node that holds no lease on the chunk changes nothing.
    expect((await call(bus, subjects.failChunk, { nodeId: "node_x", jobId: alone.id, index: first!.index, token: "forged", error: syntax })).outcome).toBe("stale");
    expect((await call(bus, subjects.getJob, { owner: "acc_a", jobId: alone.id })).state).not.toBe("failed");
    await call(bus, subjects.failChunk, { nodeId: "node_1", jobId: alone.id, index: first!.index, token: first!.token, error: syntax });
    const failed = await call(bus, subjects.getJob, { owner: "acc_a", jobId: alone.id });
    expect(failed.state).toBe("failed");
    expect(failed.error).toBe("the program does not compile, so no chunk was retried: SyntaxError: '(' was never closed (line 2)");
    expect(failed.chunks.failed).toBe(1);

    const replicated = await call(bus, subjects.createJob, { owner: "acc_a", spec: { program: squares, input: { items: [1] }, replicas: 2, maxAttempts: 3 } });
    const lease = (await until(async () => (await call(bus, subjects.leaseChunks, { nodeId: "node_2", owner: "acc_2", max: 10 })).leases.find((l) => l.jobId === replicated.id)))!;
    await call(bus, subjects.failChunk, { nodeId: "node_2", jobId: replicated.id, index: 0, token: lease.token, error: syntax });
    expect((await call(bus, subjects.getJob, { owner: "acc_a", jobId: replicated.id })).state).not.toBe("failed");
  });

  test("a job's minReputation keeps its chunks from a node without that many validated results", async () => {
    const picky = await call(bus, subjects.createJob, { owner: "acc_a", spec: { program: squares, input: { items: [1] }, minReputation: 5 } });
    await until(async () => (await call(bus, subjects.getJob, { owner: "acc_a", jobId: picky.id })).chunks.total === 1);
    const { leases } = await call(bus, subjects.leaseChunks, { nodeId: "node_fresh", owner: "acc_fresh", max: 50 });
    expect(leases.some((l) => l.jobId === picky.id)).toBe(false);
    await call(bus, subjects.cancelJob, { owner: "acc_a", jobId: picky.id });
  });

  test("every job end leaves one log line: how it ended, whose job, its chunks, how long, and why it failed", async () => {
    const jobEnd = async (state: string, jobId: string) => {
      const line = await until(() => logged.find((l) => l.startsWith(`job ${state} `) && l.includes(jobId)));
      return JSON.parse(line.slice(`job ${state} `.length)) as Record<string, unknown>;
    };
    const done = await call(bus, subjects.createJob, { owner: "acc_a", spec: { program: squares, input: { items: [2, 3] }, chunkSize: 2 } });
    const [lease] = await leaseAll("node_1");
    clock += 1_500;
    await call(bus, subjects.completeChunk, { nodeId: "node_1", jobId: done.id, index: 0, token: lease!.token, results: "[4,9]" });
    expect(await jobEnd("done", done.id)).toEqual({ jobId: done.id, owner: "acc_a", state: "done", chunks: { total: 1, done: 1, running: 0, failed: 0 }, ms: 1_500 });

    const failed = await call(bus, subjects.createJob, { owner: "acc_b", spec: { program: squares, input: { items: [1] }, maxAttempts: 1 } });
    const [doomed] = await leaseAll("node_1");
    await call(bus, subjects.failChunk, { nodeId: "node_1", jobId: failed.id, index: 0, token: doomed!.token, error: { message: "ValueError: no" } });
    expect(await jobEnd("failed", failed.id)).toMatchObject({ owner: "acc_b", state: "failed", reason: "chunk 0 failed once: ValueError: no" });

    const cancelled = await call(bus, subjects.createJob, { owner: "acc_a", spec: { program: squares, input: { items: [1] } } });
    await call(bus, subjects.cancelJob, { owner: "acc_a", jobId: cancelled.id });
    expect(await jobEnd("cancelled", cancelled.id)).toMatchObject({ state: "cancelled", owner: "acc_a" });
    expect(logged.filter((l) => l.startsWith("job ")).length).toBe(3);
  });

  test("an expired lease is swept back and a late result from the old holder is stale", async () => {
    const job = await call(bus, subjects.createJob, { owner: "acc_a", spec: { program: squares, input: { items: [2] }, timeoutMs: 1000 } });
    const [first] = await leaseAll("node_dead");
    clock += 60_000; // past the lease; the sweeper runs every 20 ms
    const [again] = await leaseAll("node_live");
    expect(again!.index).toBe(first!.index);
    const late = await call(bus, subjects.completeChunk, { nodeId: "node_dead", jobId: job.id, index: 0, token: first!.token, results: "[999]" });
    expect(late.outcome).toBe("stale");
    await call(bus, subjects.completeChunk, { nodeId: "node_live", jobId: job.id, index: 0, token: again!.token, results: "[4]" });
    const page = await call(bus, subjects.jobResults, { owner: "acc_a", jobId: job.id, from: 0, limit: 10 });
    expect(page.chunks).toEqual([{ index: 0, results: "[4]" }]);
  });

  test("a node that leaves gives its chunks back at once, without spending an attempt", async () => {
    const job = await call(bus, subjects.createJob, { owner: "acc_a", spec: { program: squares, input: { items: [1, 2] }, chunkSize: 1, maxAttempts: 1 } });
    const held = await until(async () => {
      const { leases } = await call(bus, subjects.leaseChunks, { nodeId: "node_gone", owner: "acc_v", max: 10 });
      return leases.length === 2 ? leases : undefined;
    });
    expect(held).toHaveLength(2);
    expect((await call(bus, subjects.releaseNode, { nodeId: "node_gone" })).requeued).toBe(2);
    const again = await leaseAll("node_2");
    expect(again.map((l) => l.attempt)).toEqual([1, 1]);
    expect((await call(bus, subjects.getJob, { owner: "acc_a", jobId: job.id })).state).toBe("running");
  });

  test("a job with reduce gets a reduce chunk once every map is done", async () => {
    const program = py("def map(x):\n    return x\ndef reduce(rs):\n    return sum(rs)\n");
    const job = await call(bus, subjects.createJob, { owner: "acc_a", spec: { program, input: { items: [1, 2, 3] }, chunkSize: 2 } });
    const maps = await until(async () => {
      const { leases } = await call(bus, subjects.leaseChunks, { nodeId: "n", owner: "acc_v", max: 10 });
      return leases.length === 2 ? leases : undefined;
    });
    for (const l of maps) await call(bus, subjects.completeChunk, { nodeId: "n", jobId: job.id, index: l.index, token: l.token, results: JSON.stringify(runLocally(l).map((x) => Math.sqrt(x as number))) });
    const [reduce] = await leaseAll("n");
    expect(reduce!.task).toBe("reduce");
    expect(reduce!.input).toEqual({ kind: "results" });
    await call(bus, subjects.completeChunk, { nodeId: "n", jobId: job.id, index: reduce!.index, token: reduce!.token, results: "6" });
    const page = await call(bus, subjects.jobResults, { owner: "acc_a", jobId: job.id, from: 0, limit: 10 });
    expect(page.reduce).toBe("6");
    expect(page.total).toBe(2);
  });

  test("cancel stops leasing and announces the stop to gateways", async () => {
    const stopped: string[] = [];
    const sub = listen(bus, events.jobStopped, (e) => void stopped.push(e.jobId));
    const job = await call(bus, subjects.createJob, { owner: "acc_a", spec: { program: squares, input: { range: { stop: 1000 } }, chunkSize: 10 } });
    const [one] = await leaseAll("n", 1);
    const cancelled = await call(bus, subjects.cancelJob, { owner: "acc_a", jobId: job.id });
    expect(cancelled.state).toBe("cancelled");
    expect((await call(bus, subjects.leaseChunks, { nodeId: "n", owner: "acc_v", max: 100 })).leases).toEqual([]);
    expect((await call(bus, subjects.completeChunk, { nodeId: "n", jobId: job.id, index: one!.index, token: one!.token, results: "[]" })).outcome).toBe("job_final");
    await until(async () => (stopped.includes(job.id) ? true : undefined));
    sub.subscription.unsubscribe();
  });

  test("a Python job's pinned packages are kept with its program and go to nodes with it", async () => {
    const packageSet = { abiVersion: "2026_0", wheels: [{ name: "medusa-base", version: "1.0", fileName: "medusa_base-1.0-py3-none-any.whl", sha256: "cd".repeat(32), depends: [], installDir: "site" as const, source: "mirror" as const }] };
    const job = await call(bus, subjects.createJob, { owner: "acc_a", spec: { program: squares, input: { items: [1] }, packages: ["medusa_base"] }, packageSet });
    expect((await call(bus, subjects.jobProgram, { jobId: job.id })).program).toEqual({ ...squares, packages: packageSet });
  });

  test("a WASI job's module is frozen at submission: deleting the upload does not change the job", async () => {
    const blobs = new FolderBlobStore(join(dir, "blobs"));
    await blobs.put("accounts/acc_a/files/prog.wasm", new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]));
    const job = await call(bus, subjects.createJob, { owner: "acc_a", spec: { program: { runtime: "wasi", module: "prog.wasm" }, input: { items: [1] } } });
    await blobs.delete("accounts/acc_a/files/prog.wasm");
    const { program } = await call(bus, subjects.jobProgram, { jobId: job.id });
    expect(program).toEqual({ runtime: "wasi", moduleBase64: Buffer.from([0, 97, 115, 109, 1, 0, 0, 0]).toString("base64") });
    const missing = await call(bus, subjects.createJob, { owner: "acc_a", spec: { program: { runtime: "wasi", module: "nope.wasm" }, input: { items: [1] } } }).catch((e) => e);
    expect((missing as MedusaError).code).toBe("invalid_field");
    expect((missing as MedusaError).message).toContain("program.module");
  });
});
