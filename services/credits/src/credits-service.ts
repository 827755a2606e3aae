import { createLogger, toLogger, type Bus, type LogSink, type SettlementQueue } from "@medusa/core";
import { accountHandlers, type AccountsDeps } from "./accounts-service.ts";
import { serveLedger } from "./ledger-service.ts";
import { settler } from "./settler.ts";

export interface CreditsDeps extends AccountsDeps {
  settlements: SettlementQueue;
  /** Handler failures and settlements that cannot apply; JSON lines on stdout by default. */
  log?: LogSink;
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
  const log = deps.log === undefined ? createLogger({ service: "credits" }) : toLogger(deps.log);
  const served = [...accountHandlers(bus, deps, queue, log), ...serveLedger(bus, { ...deps, accounts: deps.store }, { queue, log })];
  const consumer = deps.settlements.consume(settler(deps.ledger, deps.store, { ...(deps.now ? { now: deps.now } : {}), log }));
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
