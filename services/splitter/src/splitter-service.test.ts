import { until } from "@medusa/testing/until";
import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FolderBlobStore } from "@medusa/adapters/blobs/folder-blobs";
import { MemoryBus } from "@medusa/adapters/bus/memory-bus";
import { call, serve, subjects, type Bus, type JobSpec, type NewChunk } from "@medusa/core";
import { serveSplitter, type Splitter, type SplitterDeps } from "./splitter-service.ts";

const root = mkdtempSync(join(tmpdir(), "splitter-service-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const blobs = new FolderBlobStore(root);

type Final = { sealed: number } | { failed: string } | { released: string | null };

/**
 * Stands in for the scheduler: records every call and can refuse or stall
 * chunks, say chunks are already stored (`stored`), refuse the claim, or
 * break on a batch.
 */
function fakeScheduler(bus: Bus, opts: { acceptBatches?: number; stall?: Promise<void>; stored?: number; refuseClaim?: boolean; breakOn?: number } = {}) {
  const batches: NewChunk[][] = [];
  const starts: number[] = [];
  const finals = new Map<string, PromiseWithResolvers<Final>>();
  const finalOf = (jobId: string) => {
    let f = finals.get(jobId);
    if (!f) finals.set(jobId, (f = Promise.withResolvers<Final>()));
    return f;
  };
  const served = [
    serve(bus, subjects.claimSplit, () => ({ claim: opts.refuseClaim ? null : { token: "split_1", chunks: opts.stored ?? 0, leaseMs: 60_000 } })),
    serve(bus, subjects.renewSplit, () => ({ held: true })),
    serve(bus, subjects.releaseSplit, ({ jobId, error }) => {
      finalOf(jobId).resolve({ released: error ?? null });
      return { ok: true as const };
    }),
    serve(bus, subjects.addChunks, async ({ chunks, at, token }) => {
      await opts.stall;
      if (opts.breakOn === batches.length) throw new Error("redis fell over");
      expect(token).toBe("split_1");
      batches.push(chunks);
      starts.push(at);
      return { accepted: opts.acceptBatches === undefined || batches.length <= opts.acceptBatches };
    }, { onError: () => {} }),
    serve(bus, subjects.sealJob, ({ jobId, items, token }) => {
      expect(token).toBe("split_1");
      finalOf(jobId).resolve({ sealed: items });
      return { ok: true as const };
    }),
    serve(bus, subjects.failJob, ({ jobId, error }) => {
      finalOf(jobId).resolve({ failed: error });
      return { ok: true as const };
    }),
  ];
  return {
    batches,
    starts,
    chunks: () => batches.flat(),
    final: (jobId: string) => finalOf(jobId).promise,
    stop: () => served.forEach((s) => s.subscription.unsubscribe()),
  };
}

const program = { runtime: "python", source: "def map(x):\n    return x\n" };
const spec = (input: unknown, chunkSize: number) => ({ program, input, chunkSize }) as unknown as JobSpec;

let cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

function setup(deps: Partial<SplitterDeps> = {}, scheduler: Parameters<typeof fakeScheduler>[1] = {}) {
  const bus = new MemoryBus();
  const fake = fakeScheduler(bus, scheduler);
  const splitter: Splitter = serveSplitter(bus, { blobs, ...deps });
  cleanup.push(
    () => splitter.close(),
    async () => fake.stop(),
    () => bus.drain(),
  );
  const split = (jobId: string, input: unknown, chunkSize: number, owner = "u1") => call(bus, subjects.splitJob, { jobId, owner, spec: spec(input, chunkSize) });
  return { bus, fake, splitter, split };
}

describe("serveSplitter", () => {
  test("a range job: every chunk in order with offsets, in batches, then sealed with the item count", async () => {
    const { fake, split } = setup({ batchChunks: 3 });
    expect(await split("j1", { range: { start: 0, stop: 25, step: 2 } }, 2)).toEqual({ ok: true });
    expect(await fake.final("j1")).toEqual({ sealed: 13 });
    expect(fake.batches.map((b) => b.length)).toEqual([3, 3, 1]);
    const chunks = fake.chunks();
    expect(chunks.map((c) => [c.offset, c.count])).toEqual([0, 2, 4, 6, 8, 10, 12].map((o) => [o, o === 12 ? 1 : 2]));
    expect(chunks[1]!.input).toEqual({ kind: "range", start: 4, stop: 8, step: 2 });
  });

  test("inline items", async () => {
    const { fake, split } = setup();
    await split("j2", { items: ["a", { b: 1 }, 3] }, 2);
    expect(await fake.final("j2")).toEqual({ sealed: 3 });
    expect(fake.chunks()).toEqual([
      { offset: 0, count: 2, input: { kind: "items", items: ["a", { b: 1 }] } },
      { offset: 2, count: 1, input: { kind: "items", items: [3] } },
    ]);
  });

  test("an owner's jsonl file, read from accounts/<owner>/files/<path>", async () => {
    await blobs.put("accounts/u1/files/in/data.jsonl", '{"x":1}\n{"x":2}\n{"x":3}\n');
    const { fake, split } = setup();
    await split("j3", { file: "in/data.jsonl", format: "jsonl" }, 2);
    expect(await fake.final("j3")).toEqual({ sealed: 3 });
    expect(fake.chunks().map((c) => c.input)).toEqual([
      { kind: "items", items: [{ x: 1 }, { x: 2 }] },
      { kind: "items", items: [{ x: 3 }] },
    ]);
  });

  test("batches stay under batchBytes", async () => {
    const { fake, split } = setup({ batchBytes: 1000 });
    await split("j4", { items: Array.from({ length: 40 }, (_, i) => `item ${i} ${"x".repeat(80)}`) }, 2);
    expect(await fake.final("j4")).toEqual({ sealed: 40 });
    expect(fake.batches.length).toBeGreaterThan(4);
    for (const b of fake.batches) expect(Buffer.byteLength(JSON.stringify(b))).toBeLessThanOrEqual(1000 + b.length);
    expect(fake.chunks().map((c) => c.offset)).toEqual(Array.from({ length: 20 }, (_, i) => i * 2));
  });

  test("accepted:false (job cancelled) stops the split: no more chunks, no seal, no fail", async () => {
    const { fake, split, splitter } = setup({ batchChunks: 10 }, { acceptBatches: 1 });
    await split("j5", { range: { start: 0, stop: 1_000_000_000 } }, 1);
    await until(() => splitter.inFlight().length === 0, 1000, "the split to stop");
    expect(fake.batches.length).toBe(2);
    const outcome = await Promise.race([fake.final("j5"), Bun.sleep(50).then(() => "none")]);
    expect(outcome).toBe("none");
  });

  test("a missing input file fails the job", async () => {
    const { fake, split } = setup();
    await split("j6", { file: "nope.txt", format: "lines" }, 10);
    expect(await fake.final("j6")).toEqual({ failed: "input file nope.txt not found" });
    expect(fake.batches).toEqual([]);
  });

  test("another account's file is out of reach", async () => {
    await blobs.put("accounts/u2/files/secret.txt", "s\n");
    const { fake, split } = setup();
    await split("j7", { file: "../../u2/files/secret.txt", format: "lines" }, 10);
    expect(await fake.final("j7")).toEqual({ failed: "input file ../../u2/files/secret.txt is not a valid path" });
    await split("j7b", { file: "secret.txt", format: "lines" }, 10);
    expect(await fake.final("j7b")).toEqual({ failed: "input file secret.txt not found" });
  });

  test("a bad line fails the job with its line number, after the chunks before it", async () => {
    await blobs.put("accounts/u1/files/bad.jsonl", "1\n2\n3\n{oops\n5\n");
    const { fake, split } = setup({ batchChunks: 1 });
    await split("j8", { file: "bad.jsonl", format: "jsonl" }, 1);
    const final = await fake.final("j8");
    expect(final).toMatchObject({ failed: expect.stringMatching(/^line 4: /) });
    expect(fake.chunks().map((c) => c.offset)).toEqual([0, 1]);
  });

  test("a split whose first chunks are stored goes on after them, each batch saying where it starts, and seals with every item", async () => {
    const { fake, split } = setup({ batchChunks: 2 }, { stored: 3 });
    await split("j10", { range: { start: 0, stop: 10 } }, 1);
    expect(await fake.final("j10")).toEqual({ sealed: 10 });
    expect(fake.chunks().map((c) => c.offset)).toEqual([3, 4, 5, 6, 7, 8, 9]);
    expect(fake.starts).toEqual([3, 5, 7, 9]);
  });

  test("a split another splitter holds is left to it", async () => {
    const { fake, split, splitter } = setup({}, { refuseClaim: true });
    await split("j11", { range: { start: 0, stop: 10 } }, 1);
    await until(() => splitter.inFlight().length === 0, 1000, "the split to give up");
    expect(fake.batches).toEqual([]);
    expect(await Promise.race([fake.final("j11"), Bun.sleep(50).then(() => "none")])).toBe("none");
  });

  test("a failure that is not the input's fault releases the split with a public reason, for another splitter to retry", async () => {
    const { fake, split } = setup({ batchChunks: 2, log: () => {} }, { breakOn: 1 });
    await split("j12", { range: { start: 0, stop: 10 } }, 1);
    expect(await fake.final("j12")).toEqual({ released: expect.stringMatching(/^internal error \(request /) });
    expect(fake.batches.length).toBe(1);
  });

  test("close() stops a running split and hands it back", async () => {
    const stall = Promise.withResolvers<void>();
    const { fake, split, splitter } = setup({}, { stall: stall.promise });
    await split("j9", { range: { start: 0, stop: 10 } }, 1);
    await until(() => splitter.inFlight().length === 1, 1000, "the split to start");
    const closed = splitter.close();
    stall.resolve();
    await closed;
    expect(await fake.final("j9")).toEqual({ released: null });
    expect(splitter.inFlight()).toEqual([]);
  });
});
