import type { Bus, SettlementQueue } from "@medusa/core";
import { accountHandlers, type AccountsDeps } from "./accounts-service.ts";
import { serveLedger } from "./ledger-service.ts";
import { settler } from "./settler.ts";

export interface CreditsDeps extends AccountsDeps {
  settlements: SettlementQueue;
  log?: (msg: string) => void;
}

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
  const served = [...accountHandlers(bus, deps, queue), ...serveLedger(bus, { ...deps, accounts: deps.store }, { queue })];
  const consumer = deps.settlements.consume(settler(deps.ledger, deps.store, { ...(deps.now ? { now: deps.now } : {}), ...(deps.log ? { log: deps.log } : {}) }));
  const done = Promise.all(served.map((s) => s.done)).then(() => undefined);
  return {
    done,
    async close() {
      await consumer.stop();
      for (const s of served) s.subscription.unsubscribe();
      await done;
    },
  };
}
