import {
  createLogger,
  escrowAccount,
  logServeError,
  MedusaError,
  MINT,
  notFound,
  serve,
  subjects,
  type AccountStore,
  type Bus,
  type LedgerStore,
  type Logger,
  type Served,
  type StoredEntry,
} from "@medusa/core";

/**
 * The ledger over the bus: escrow holds at submission, account history pages,
 * and operators' grants. Payouts and refunds do not come through here: they
 * arrive durably through the settlement queue (settler.ts).
 */
export interface LedgerDeps {
  ledger: LedgerStore;
  accounts: AccountStore;
  starterCredits: number;
  now?: () => number;
}

/** Paid work needs a confirmed email: otherwise one person's free sign-ups would be as good as credits. */
async function requireConfirmed(accounts: AccountStore, owner: string): Promise<void> {
  const row = await accounts.accountById(owner);
  if (row && row.confirmedAt === null) {
    throw new MedusaError("forbidden", `confirm your email address first: open the link sent to ${row.email} (work that costs credits needs a confirmed account)`);
  }
}

const publicEntry = (e: StoredEntry) => ({ ...e, at: new Date(e.at).toISOString() });

export function serveLedger(bus: Bus, deps: LedgerDeps, opts: { queue?: string; log?: Logger } = {}): Served[] {
  const { ledger } = deps;
  const now = deps.now ?? Date.now;
  const queue = opts.queue ?? "credits";
  const onError = logServeError(opts.log ?? createLogger({ service: "credits" }));

  return [
    serve(
      bus,
      subjects.holdCredits,
      async ({ key, owner, jobId, amount }) => {
        if (amount > 0) await requireConfirmed(deps.accounts, owner);
        const [outcome] = await ledger.apply([{ key, reason: "hold", from: owner, to: escrowAccount(jobId), amount, jobId, at: now() }]);
        if (outcome === "insufficient") {
          const available = await ledger.balance(owner);
          throw new MedusaError(
            "payment_required",
            `this job needs ${amount} credits held in escrow, but only ${available} are available`,
            { needed: amount, available },
          );
        }
        return { ok: true as const };
      },
      { queue, onError },
    ),

    serve(
      bus,
      subjects.ledgerPage,
      async ({ accountId, before, limit }) => {
        const rows = await ledger.entriesOf(accountId, { ...(before === undefined ? {} : { before }), limit: limit + 1 });
        const page = rows.slice(0, limit);
        return { entries: page.map(publicEntry), next: rows.length > limit ? page[page.length - 1]!.seq : null };
      },
      { queue, onError },
    ),

    serve(
      bus,
      subjects.grantCredits,
      async ({ email, amount, key }) => {
        const account = await deps.accounts.accountByEmail(email);
        if (!account) throw notFound(`account ${email}`);
        const [outcome] = await ledger.apply([{ key, reason: "grant", from: MINT, to: account.id, amount, at: now() }]);
        return { accountId: account.id, applied: outcome === "applied", available: await ledger.balance(account.id) };
      },
      { queue, onError },
    ),

    serve(bus, subjects.starterCredits, async () => ({ starterCredits: deps.starterCredits }), { queue, onError }),
  ];
}
