import { afterEach, expect, test } from "bun:test";
import { DirectSettlements } from "@medusa/adapters";
import type { Settlement } from "@medusa/core";
import { SessionBilling } from "./session-billing.ts";

const warnings: string[] = [];
const log = { info: () => {}, warn: (msg: string) => void warnings.push(msg), error: () => {} } as never;
let billing: SessionBilling | null = null;
afterEach(async () => {
  await billing?.close();
  billing = null;
  warnings.length = 0;
});

/** A settlement queue whose consumer records each batch, and fails while `down`. */
function recordingQueue() {
  const queue = new DirectSettlements();
  const batches: Settlement[][] = [];
  const state = { down: false };
  queue.consume(async (batch) => {
    if (state.down) throw new Error("ledger down");
    batches.push(batch);
  });
  return { queue, batches, state };
}

test("a flush sends one payout per session and node, summed over its rounds and partitions, and the refund", async () => {
  const { queue, batches } = recordingQueue();
  billing = new SessionBilling(queue, log, 60_000);
  for (let round = 1; round <= 200; round++) {
    for (let p = 0; p < 20; p++) billing.payout("ses_a", round, p, p % 2 ? "n1" : "n2", 3);
  }
  billing.payout("ses_b", 7, 0, "n1", 5);
  billing.refund("ses_b", "acct_b", 95);
  await billing.flush();
  expect(batches).toHaveLength(1);
  const byKey = Object.fromEntries(batches[0]!.map((s) => [s.key, s]));
  expect(Object.keys(byKey).sort()).toEqual(["payout:ses_a:r1-200:n1:f1", "payout:ses_a:r1-200:n2:f1", "payout:ses_b:r7-7:n1:f1", "refund:ses_b"]);
  expect(byKey["payout:ses_a:r1-200:n1:f1"]).toEqual({ v: 1, kind: "payout", key: "payout:ses_a:r1-200:n1:f1", jobId: "ses_a", nodeId: "n1", amount: 6000 });
  expect(byKey["payout:ses_a:r1-200:n2:f1"]!.amount).toBe(6000);
  expect(byKey["refund:ses_b"]).toMatchObject({ kind: "refund", owner: "acct_b", amount: 95 });
});

test("each flush has keys of its own, and a batch that failed goes again unchanged, with nothing lost or paid twice", async () => {
  const { queue, batches, state } = recordingQueue();
  billing = new SessionBilling(queue, log, 60_000);
  billing.payout("ses_a", 1, 0, "n1", 2);
  await billing.flush();
  state.down = true;
  billing.payout("ses_a", 1, 1, "n1", 2); // a partition caught up on round 1 after a replacement
  billing.payout("ses_a", 2, 0, "n1", 2);
  await billing.flush();
  expect(warnings).toEqual(["session settlements wait for the next flush"]);
  state.down = false;
  billing.payout("ses_a", 3, 0, "n1", 2);
  await billing.flush();
  const keys = batches.flat().map((s) => `${s.key}=${(s as { amount: number }).amount}`);
  expect(keys).toEqual(["payout:ses_a:r1-1:n1:f1=2", "payout:ses_a:r1-2:n1:f2=4", "payout:ses_a:r3-3:n1:f3=2"]);
  expect(new Set(batches.flat().map((s) => s.key)).size).toBe(3);
});
