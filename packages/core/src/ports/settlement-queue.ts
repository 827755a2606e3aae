import type { Settlement } from "../ledger.ts";

/**
 * The settlement queue port: durable, at-least-once delivery from the
 * scheduler's outbox to the credits service. Adapters: NATS JetStream (a
 * durable consumer), and a direct in-process hand-off for the embedded stack,
 * where publishing resolves only once the ledger has applied the batch.
 */
export interface SettlementQueue {
  /** Resolves once every settlement is durably queued; rejects if it may not be. */
  publish(batch: Settlement[]): Promise<void>;
  /**
   * Delivers batches to `handler`; a batch is acknowledged when the handler
   * resolves and redelivered later if it rejects. JetStream shares batches
   * between consumers (credits replicas); the direct queue takes one.
   */
  consume(handler: (batch: Settlement[]) => Promise<void>): SettlementConsumer;
  close(): Promise<void>;
}

export interface SettlementConsumer {
  /** Stops taking batches and resolves once the one in hand is settled. */
  stop(): Promise<void>;
}
