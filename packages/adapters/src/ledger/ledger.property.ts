import { expect } from "bun:test";
import fc from "fast-check";
import { escrowAccount, isEscrow, MINT, type ApplyOutcome, type LedgerStore, type NewEntry } from "@medusa/core";

/**
 * Random interleavings against a real ledger. A small model plays the
 * scheduler's part (it pays out only from jobs whose hold landed, never more
 * than was held, and refunds held − spent once a job ends); each step's
 * operations run concurrently, and replays of earlier entries are mixed in.
 * Replays are redeliveries of entries that already landed. After every step: no balance below zero, accounts + escrow = grants, every
 * key applied at most once, every balance equals the sum of its entries, and
 * no legitimate settlement was refused.
 */
const ACCOUNTS = 4;
const JOBS = 5;

const Op = fc.oneof(
  fc.record({ type: fc.constant("signUp" as const), acc: fc.nat(ACCOUNTS - 1) }),
  fc.record({ type: fc.constant("submit" as const), acc: fc.nat(ACCOUNTS - 1), job: fc.nat(JOBS - 1), amount: fc.integer({ min: 1, max: 120 }) }),
  fc.record({ type: fc.constant("payout" as const), job: fc.nat(JOBS - 1), index: fc.nat(6), node: fc.nat(2), price: fc.integer({ min: 0, max: 15 }) }),
  fc.record({ type: fc.constant("end" as const), job: fc.nat(JOBS - 1) }),
  fc.record({ type: fc.constant("replay" as const), pick: fc.nat() }),
);
type Op = typeof Op extends fc.Arbitrary<infer T> ? T : never;

interface JobModel {
  owner: string;
  held: number;
  spent: number;
  funded: boolean;
  ended: boolean;
}

export async function ledgerProperty(make: () => Promise<LedgerStore>, numRuns = Number(process.env.MEDUSA_PROPERTY_RUNS ?? 25)) {
  await fc.assert(
    fc.asyncProperty(fc.array(fc.array(Op, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 25 }), async (steps) => {
      const ledger = await make();
      try {
        await runSteps(ledger, steps);
      } finally {
        await ledger.close();
      }
    }),
    { numRuns },
  );
}

async function runSteps(ledger: LedgerStore, steps: Op[][]) {
  const jobs = new Map<string, JobModel>();
  const sent: NewEntry[] = [];
  const appliedKeys = new Map<string, number>();
  let at = 1;
  const acc = (i: number) => `acc${i}`;
  const nodeOwner = (node: number) => acc(node % ACCOUNTS);

  for (const step of steps) {
    /** Entries the model sends this step, and whether a refusal would be a bug. */
    const batch: Array<{ entry: NewEntry; mustLand: boolean; replay?: boolean }> = [];
    for (const op of step) {
      if (op.type === "signUp") {
        batch.push({ entry: { key: `grant:${acc(op.acc)}`, reason: "grant", from: MINT, to: acc(op.acc), amount: 100, at: at++ }, mustLand: true });
      } else if (op.type === "submit") {
        const jobId = `job${op.job}`;
        if (jobs.has(jobId)) continue;
        jobs.set(jobId, { owner: acc(op.acc), held: op.amount, spent: 0, funded: false, ended: false });
        batch.push({ entry: { key: `hold:${jobId}`, reason: "hold", from: acc(op.acc), to: escrowAccount(jobId), amount: op.amount, jobId, at: at++ }, mustLand: false });
      } else if (op.type === "payout") {
        const jobId = `job${op.job}`;
        const job = jobs.get(jobId);
        if (!job?.funded || job.ended || job.spent + op.price > job.held) continue;
        const key = `payout:${jobId}:${op.index}:node${op.node}`;
        if (sent.some((e) => e.key === key)) continue;
        job.spent += op.price;
        const entry: NewEntry = { key, reason: "payout", from: escrowAccount(jobId), to: nodeOwner(op.node), amount: op.price, jobId, nodeId: `node${op.node}`, at: at++ };
        batch.push({ entry, mustLand: true });
      } else if (op.type === "end") {
        const jobId = `job${op.job}`;
        const job = jobs.get(jobId);
        if (!job?.funded || job.ended) continue;
        job.ended = true;
        batch.push({ entry: { key: `refund:${jobId}`, reason: "refund", from: escrowAccount(jobId), to: job.owner, amount: job.held - job.spent, jobId, at: at++ }, mustLand: true });
      } else if (sent.length > 0) {
        batch.push({ entry: sent[op.pick % sent.length]!, mustLand: false, replay: true });
      }
    }

    const outcomes: ApplyOutcome[] = (await Promise.all(batch.map(({ entry }) => ledger.apply([entry])))).map((o) => o[0]!);
    batch.forEach(({ entry, mustLand, replay }, i) => {
      const outcome = outcomes[i]!;
      if (outcome === "applied") appliedKeys.set(entry.key, (appliedKeys.get(entry.key) ?? 0) + 1);
      if (mustLand && outcome === "insufficient") throw new Error(`legitimate ${entry.key} was refused`);
      if (replay && outcome !== "duplicate") throw new Error(`a redelivered ${entry.key} was ${outcome}`);
      if (entry.reason === "hold" && outcome === "applied") jobs.get(entry.jobId!)!.funded = true;
      // A refused submission creates no job, and its id is never used again.
      if (entry.reason === "hold" && outcome === "insufficient") jobs.set(entry.jobId!, { ...jobs.get(entry.jobId!)!, ended: true });
      if (outcome === "applied" && !replay) sent.push(entry);
    });
    await checkBooks(ledger, jobs, appliedKeys);
  }
}

async function checkBooks(ledger: LedgerStore, jobs: Map<string, JobModel>, appliedKeys: Map<string, number>) {
  for (const [key, n] of appliedKeys) if (n > 1) throw new Error(`${key} applied ${n} times`);
  const totals = await ledger.totals();
  expect(totals.accounts + totals.escrow).toBe(totals.granted);
  for (let i = 0; i < ACCOUNTS; i++) {
    const account = `acc${i}`;
    const balance = await ledger.balance(account);
    expect(balance).toBeGreaterThanOrEqual(0);
    const entries = await ledger.entriesOf(account, { limit: 10_000 });
    const derived = entries.reduce((sum, e) => sum + (e.to === account ? e.amount : 0) - (e.from === account ? e.amount : 0), 0);
    expect(balance).toBe(derived);
    expect(new Set(entries.map((e) => e.key)).size).toBe(entries.length);
    expect(entries.every((e) => !isEscrow(e.to) || e.reason === "hold")).toBe(true);
  }
  for (const [jobId, job] of jobs) {
    const escrow = await ledger.balance(escrowAccount(jobId));
    expect(escrow).toBeGreaterThanOrEqual(0);
    if (job.ended) expect(escrow).toBe(0);
  }
}
