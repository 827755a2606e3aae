import { expect, test } from "bun:test";
import { SqliteChunkStore } from "@medusa/adapters";
import { chunksOf, holderOf, jobRecord, T0 } from "@medusa/adapters/chunks/chunk-store.fixtures";
import { holdSettlements } from "./outbox-hold.ts";

test("a settlement is claimed only once it has been pending for the hold, and a pass with nothing old enough claims nothing", async () => {
  let clock = 0;
  const raw = new SqliteChunkStore(":memory:");
  const store = holdSettlements(raw, 2_000, () => clock);
  const job = jobRecord({ credits: { price: 1, held: 3, spent: 0 } });
  await store.createJob(job, T0);
  await store.addChunks(job.id, chunksOf(3));
  await store.sealJob(job.id, 30, T0);
  const [first, second] = (await store.leaseChunks("node-a", 2, T0)).leases;
  await store.completeChunk(holderOf(first!, "node-a"), "[1]", T0);
  const key = (i: number) => `payout:${job.id}:${i}:node-a`;

  expect(await store.claimSettlements(10, T0, 10_000)).toEqual([]);
  // Nothing was claimed: another replica (or this one, later) can still take it at once.
  expect((await raw.claimSettlements(10, T0, 0)).map((s) => s.key)).toEqual([key(0)]);

  clock = 1_500;
  await store.completeChunk(holderOf(second!, "node-a"), "[2]", T0);
  expect(await store.claimSettlements(10, T0 + 1, 10_000)).toEqual([]);
  clock = 2_000;
  // The first payout is old enough and goes; the second was claimed with it, so it waits out that claim.
  const due = await store.claimSettlements(10, T0 + 2, 10_000);
  expect(due.map((s) => s.key)).toEqual([key(0)]);
  await store.ackSettlements(due.map((s) => s.key));
  clock = 3_600;
  expect(await store.claimSettlements(10, T0 + 3, 10_000)).toEqual([]);
  expect((await store.claimSettlements(10, T0 + 10_003, 10_000)).map((s) => s.key)).toEqual([key(1)]);
  // Under the hold the store itself still has everything not acknowledged.
  expect((await raw.pendingSettlements(10)).map((s) => s.key)).toEqual([key(1)]);
  await store.close();
});
