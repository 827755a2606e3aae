import type { Settlement, SettlementConsumer, SettlementQueue } from "@medusa/core";

/**
 * The embedded stack's settlement queue: no broker, the scheduler hands each
 * batch straight to the credits service in the same process. `publish`
 * resolves only once the ledger has applied the batch, and rejects while no
 * consumer is attached or when applying failed — so the scheduler keeps the
 * batch in its SQLite outbox and tries again. Durability comes from that
 * outbox and the SQLite ledger; idempotency keys absorb any repeat.
 */
export class DirectSettlements implements SettlementQueue {
  private handler: ((batch: Settlement[]) => Promise<void>) | null = null;
  private inFlight = Promise.resolve();

  async publish(batch: Settlement[]): Promise<void> {
    const handler = this.handler;
    if (!handler) throw new Error("no credits service is taking settlements yet");
    const run = this.inFlight.then(() => handler(batch));
    this.inFlight = run.catch(() => {});
    await run;
  }

  consume(handler: (batch: Settlement[]) => Promise<void>): SettlementConsumer {
    if (this.handler) throw new Error("a settlement queue has one consumer");
    this.handler = handler;
    return {
      stop: async () => {
        this.handler = null;
        await this.inFlight;
      },
    };
  }

  async close(): Promise<void> {
    this.handler = null;
    await this.inFlight;
  }
}
