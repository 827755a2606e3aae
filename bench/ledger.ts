/**
 * Ledger benchmark: settlements per second, one at a time and in batches.
 *
 *   bun bench/ledger.ts [--n 20000]
 *
 * - sqlite: the embedded path, `SqliteLedgerStore.apply` directly (the direct
 *   settlement queue adds only a function call).
 * - jetstream: the distributed path end to end — the scheduler's side
 *   publishes to JetStream (awaiting each PubAck), the credits side's settler
 *   consumes, resolves node owners and applies to a SQLite ledger; timed from
 *   the first publish to the last entry applied. Needs NATS on 127.0.0.1:4222.
 * Prints a table and writes bench/results/ledger-<timestamp>.json.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect } from "nats";
import { JetStreamSettlements, SqliteAccountStore, SqliteLedgerStore } from "@medusa/adapters";
import { errorMessage, escrowAccount, MINT, type NewEntry, type Settlement } from "@medusa/core";
import { settler } from "@medusa/credits/settler";
import { loadNow, machine } from "./lib/machine.ts";

const nArg = process.argv.indexOf("--n");
const n = nArg > 0 ? Number(process.argv[nArg + 1]) : 20_000;
if (!Number.isInteger(n) || n < 1) throw new Error("--n takes a whole number of settlements");
const BATCH = 500;
const dir = mkdtempSync(join(tmpdir(), "medusa-bench-ledger-"));
let files = 0;

async function fundedLedger(total: number): Promise<SqliteLedgerStore> {
  const ledger = new SqliteLedgerStore(join(dir, `ledger-${files++}.sqlite`));
  await ledger.apply([
    { key: "grant", reason: "grant", from: MINT, to: "acc_consumer", amount: total, at: 0 },
    { key: "hold", reason: "hold", from: "acc_consumer", to: escrowAccount("job"), amount: total, jobId: "job", at: 0 },
  ]);
  return ledger;
}
const payout = (i: number): Settlement => ({ v: 1, kind: "payout", key: `payout:job:${i}:node_1`, jobId: "job", nodeId: "node_1", amount: 1 });
const entry = (i: number): NewEntry => ({ key: `payout:job:${i}:node_1`, reason: "payout", from: escrowAccount("job"), to: "acc_volunteer", amount: 1, jobId: "job", nodeId: "node_1", at: i });

async function timed(label: string, count: number, work: () => Promise<void>) {
  const load = loadNow();
  const t0 = performance.now();
  await work();
  const ms = performance.now() - t0;
  return { label, count, ms: Math.round(ms), perSecond: Math.round((count / ms) * 1000), load1m: load[0] };
}

async function sqliteSingle() {
  const ledger = await fundedLedger(n);
  const r = await timed("sqlite, one entry per apply", n, async () => {
    for (let i = 0; i < n; i++) await ledger.apply([entry(i)]);
  });
  await ledger.close();
  return r;
}

async function sqliteBatched() {
  const ledger = await fundedLedger(n);
  const r = await timed(`sqlite, batches of ${BATCH}`, n, async () => {
    for (let i = 0; i < n; i += BATCH) await ledger.apply(Array.from({ length: Math.min(BATCH, n - i) }, (_, k) => entry(i + k)));
  });
  await ledger.close();
  return r;
}

async function jetstream(batched: boolean) {
  const count = batched ? n : Math.min(n, 5000);
  const nc = await connect({ servers: process.env.MEDUSA_NATS_URL ?? "nats://127.0.0.1:4222" });
  const prefix = `benchledger${Date.now().toString(36)}`;
  const queue = await JetStreamSettlements.open(nc, { prefix, batch: BATCH });
  const ledger = await fundedLedger(count);
  const accounts = new SqliteAccountStore(join(dir, `accounts-${files++}.sqlite`));
  await accounts.createAccount({ id: "acc_volunteer", email: "vol@example.com", passwordHash: "x", createdAt: 0, confirmedAt: 0 }, "hash");
  await accounts.createNode({ id: "node_1", ownerId: "acc_volunteer", name: "box", createdAt: 0 }, "node-hash");
  const settle = settler(ledger, accounts, { log: (m) => console.error(m) });
  let applied = 0;
  let finished!: () => void;
  const allApplied = new Promise<void>((resolve) => (finished = resolve));
  const consumer = queue.consume(async (batch) => {
    await settle(batch);
    applied += batch.length;
    if (applied >= count) finished();
  });
  const label = batched ? `jetstream → settler → sqlite, published in batches of ${BATCH}` : "jetstream → settler → sqlite, published one at a time";
  const r = await timed(label, count, async () => {
    if (batched) for (let i = 0; i < count; i += BATCH) await queue.publish(Array.from({ length: Math.min(BATCH, count - i) }, (_, k) => payout(i + k)));
    else for (let i = 0; i < count; i++) await queue.publish([payout(i)]);
    await allApplied;
  });
  if ((await ledger.balance("acc_volunteer")) !== count) throw new Error("ledger total is wrong: the benchmark is invalid");
  await consumer.stop();
  await queue.destroy();
  await nc.close();
  await ledger.close();
  await accounts.close();
  return r;
}

const results = [await sqliteSingle(), await sqliteBatched()];
try {
  results.push(await jetstream(false), await jetstream(true));
} catch (err) {
  console.error(`jetstream path not measured: ${errorMessage(err)}`);
}
rmSync(dir, { recursive: true, force: true });

const width = Math.max(...results.map((r) => r.label.length));
console.log(`\nLedger settlements (${n} payouts; command: bun bench/ledger.ts --n ${n})\n`);
console.log(`${"path".padEnd(width)}  ${"count".padStart(6)}  ${"ms".padStart(7)}  ${"per s".padStart(8)}  load 1m`);
for (const r of results) console.log(`${r.label.padEnd(width)}  ${String(r.count).padStart(6)}  ${String(r.ms).padStart(7)}  ${String(r.perSecond).padStart(8)}  ${r.load1m}`);
mkdirSync(join(import.meta.dir, "results"), { recursive: true });
const file = join(import.meta.dir, "results", `ledger-${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
await Bun.write(file, JSON.stringify({ startedAt: new Date().toISOString(), machine: machine(), n, results }, null, 2));
console.log(`\nwrote ${file}`);
process.exit(0);
