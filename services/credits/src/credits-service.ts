import { createLogger, toLogger, type Bus, type LogSink, type SettlementQueue } from "@medusa/core";
import { accountHandlers, type AccountsDeps } from "./accounts-service.ts";
import { serveLedger } from "./ledger-service.ts";
import { reapOrphanEscrows } from "./escrow-reaper.ts";
import { settler } from "./settler.ts";

export interface CreditsDeps extends AccountsDeps {
  settlements: SettlementQueue;
  /** Handler failures and settlements that cannot apply; JSON lines on stdout by default. */
  log?: LogSink;
  /** How old an escrow must be before a job that was never stored has it refunded (escrow-reaper.ts); 0 turns the check off. */
  orphanEscrowMs?: number;
}

/** The default wait before an escrow with no job is refunded: far past the milliseconds between a hold and its job's creation. */
export const ORPHAN_ESCROW_MS = 10 * 60_000;

export interface CreditsService {
  /** Stops answering and settling; resolves once what is in flight is done. */
  close(): Promise<void>;
  /** Resolves when every subscription has ended (bus drained or `close`d). */
  done: Promise<void>;
}

/**
 * The credits service: accounts and the ledger over the bus, plus the one
 * consumer of the settlement queue (payouts and refunds).
 */
export function serveCredits(bus: Bus, deps: CreditsDeps, opts: { queue?: string } = {}): CreditsService {
  const queue = opts.queue ?? "credits";
  const log = deps.log === undefined ? createLogger({ service: "credits" }) : toLogger(deps.log);
  const served = [...accountHandlers(bus, deps, queue, log), ...serveLedger(bus, { ...deps, accounts: deps.store }, { queue, log })];
  const consumer = deps.settlements.consume(settler(deps.ledger, deps.store, { ...(deps.now ? { now: deps.now } : {}), log }));
  const graceMs = deps.orphanEscrowMs ?? ORPHAN_ESCROW_MS;
  const reaper = graceMs > 0 ? reapOrphanEscrows(bus, deps.ledger, { graceMs, everyMs: Math.min(graceMs, 60_000), log, ...(deps.now ? { now: deps.now } : {}) }) : null;
  const done = Promise.all(served.map((s) => s.done)).then(() => undefined);
  return {
    done,
    async close() {
      await reaper?.close();
      await consumer.stop();
      for (const s of served) s.subscription.unsubscribe();
      await done;
    },
  };
}
