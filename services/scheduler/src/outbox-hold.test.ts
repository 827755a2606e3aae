import { expect, test } from "bun:test";
import { SqliteChunkStore } from "@medusa/adapters";
import { chunksOf, holderOf, jobRecord, T0 } from "@medusa/adapters/chunks/chunk-store.fixtures";
import { holdSettlements } from "./outbox-hold.ts";

test("a settlement is handed out only once it has been pending for the hold, and forgotten once acknowledged", async () => {
  let clock = 0;
  const raw = new SqliteChunkStore(":memory:");
  const store = holdSettlements(raw, 2_000, () => clock);
  const job = jobRecord({ credits: { price: 1, held: 2, spent: 0 } });
  await store.createJob(job, T0);
  await store.addChunks(job.id, chunksOf(2));
  await store.sealJob(job.id, 20, T0);
  const [first, second] = (await store.leaseChunks("node-a", 2, T0)).leases;
  await store.completeChunk(holderOf(first!, "node-a"), "[1]", T0);

  expect(await store.pendingSettlements(10)).toEqual([]);
  clock = 1_500;
  await store.completeChunk(holderOf(second!, "node-a"), "[2]", T0);
  expect(await store.pendingSettlements(10)).toEqual([]);
  clock = 2_000;
  // The first payout is old enough; the second is not yet (the job spent all it held: no refund).
  const due = await store.pendingSettlements(10);
  expect(due.map((s) => s.key)).toEqual([`payout:${job.id}:0:node-a`]);
  await store.ackSettlements(due.map((s) => s.key));
  clock = 3_600;
  expect((await store.pendingSettlements(10)).map((s) => s.key)).toEqual([`payout:${job.id}:1:node-a`]);
  // Under the hold the store itself still has everything not acknowledged.
  expect((await raw.pendingSettlements(10)).map((s) => s.key)).toEqual([`payout:${job.id}:1:node-a`]);
  await store.close();
});
