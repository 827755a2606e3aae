import { z } from "zod";

/**
 * The credits ledger's vocabulary. Credits are whole numbers. Every movement
 * is one entry with a unique idempotency key, from one ledger account to
 * another. Ledger accounts are user account ids, one escrow per job
 * (`escrow:<jobId>`), and `mint`, the only account allowed below zero: each
 * grant moves credits out of it, so −balance(mint) is the sum of all grants.
 */
export const MINT = "mint";
export const escrowAccount = (jobId: string) => `escrow:${jobId}`;
export const isEscrow = (account: string) => account.startsWith("escrow:");

export const LedgerReason = z.enum(["grant", "hold", "payout", "refund"]);
export type LedgerReason = z.infer<typeof LedgerReason>;

export const CreditAmount = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/** An entry as the API shows it; `seq` orders one ledger (newest first in pages). */
export const LedgerEntry = z.object({
  seq: z.number().int(),
  key: z.string(),
  reason: LedgerReason,
  amount: CreditAmount,
  from: z.string(),
  to: z.string(),
  jobId: z.string().optional(),
  nodeId: z.string().optional(),
  at: z.string(),
});
export type LedgerEntry = z.infer<typeof LedgerEntry>;

export const LedgerPage = z.object({ entries: z.array(LedgerEntry), next: z.number().int().nullable() });
export type LedgerPage = z.infer<typeof LedgerPage>;

/**
 * What the scheduler asks the credits service to settle, durably and at least
 * once: a node's payout for an accepted result, or the refund of what a
 * finished job did not spend. Amounts are fixed when the scheduler records
 * them, so settlements commute: any order of delivery ends in the same
 * balances, and none can drive an escrow below zero.
 */
export const Settlement = z.discriminatedUnion("kind", [
  z.object({ v: z.literal(1), kind: z.literal("payout"), key: z.string(), jobId: z.string(), nodeId: z.string(), amount: CreditAmount }),
  z.object({ v: z.literal(1), kind: z.literal("refund"), key: z.string(), jobId: z.string(), owner: z.string(), amount: CreditAmount }),
]);
export type Settlement = z.infer<typeof Settlement>;

/**
 * Every settlement's idempotency key is built here and nowhere else. The
 * Redis chunk store's scripts record payouts and refunds inside Lua, so they
 * carry twins of `payoutKey` and `refundKey` (LUA_KEYS in
 * packages/adapters/src/chunks/redis-keys.ts), and a test holds both to the
 * same keys. A session settles through the same escrow, its id standing in
 * for a job's.
 */
export const payoutKey = (jobId: string, index: number, nodeId: string) => `payout:${jobId}:${index}:${nodeId}`;
/** A session's round paid a node for all the partitions it answered: once per round and node. */
export const roundPayoutKey = (sessionId: string, round: number, nodeId: string) => `payout:${sessionId}:round-${round}:${nodeId}`;
export const refundKey = (jobId: string) => `refund:${jobId}`;
export const holdKey = (jobId: string) => `hold:${jobId}`;
export const starterGrantKey = (accountId: string) => `grant:starter:${accountId}`;
