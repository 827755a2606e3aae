import { escrowAccount, toLogger, type AccountStore, type LedgerStore, type LogSink, type NewEntry, type Settlement } from "@medusa/core";

/**
 * Turns settlement batches from the queue into ledger entries: a payout goes
 * from the job's escrow to the account that owns the node, a refund back to
 * the job's owner. One `apply` per batch; keys make redeliveries no-ops. A
 * batch that throws (ledger down) is redelivered by the queue; a settlement
 * that can never apply is logged and acknowledged, never retried forever.
 */
export function settler(ledger: LedgerStore, accounts: AccountStore, opts: { now?: () => number; log?: LogSink } = {}) {
  const now = opts.now ?? Date.now;
  const log = toLogger(opts.log ?? ((msg: string) => console.error(`[credits] ${msg}`)));
  const owners = new Map<string, string>();

  const ownerOfNode = async (nodeId: string): Promise<string | null> => {
    const known = owners.get(nodeId);
    if (known) return known;
    const row = await accounts.nodeById(nodeId);
    if (row) owners.set(nodeId, row.ownerId);
    return row?.ownerId ?? null;
  };

  const entryFor = async (s: Settlement, at: number): Promise<NewEntry | null> => {
    const base = { key: s.key, from: escrowAccount(s.jobId), amount: s.amount, jobId: s.jobId, at };
    if (s.kind === "refund") return { ...base, reason: "refund", to: s.owner };
    const owner = await ownerOfNode(s.nodeId);
    if (!owner) {
      log.warn(`payout ${s.key} names unknown node ${s.nodeId}; left in escrow`);
      return null;
    }
    return { ...base, reason: "payout", to: owner, nodeId: s.nodeId };
  };

  return async (batch: Settlement[]): Promise<void> => {
    const at = now();
    const entries = (await Promise.all(batch.map((s) => entryFor(s, at)))).filter((e): e is NewEntry => e !== null);
    const outcomes = await ledger.apply(entries);
    outcomes.forEach((o, i) => {
      if (o === "insufficient") log.warn(`settlement ${entries[i]!.key} exceeds its escrow; not applied`);
    });
  };
}
