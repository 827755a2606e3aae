import { Counter, Gauge, Histogram, type Registry } from "@medusa/ops";
import type { Settlement, SettlementQueue } from "@medusa/core";

/**
 * The settlement side of the operator's view: what this replica applied (by
 * kind and outcome) and how long a batch took, plus the backlog still on the
 * queue when the queue can tell (JetStream can; the embedded hand-off holds
 * nothing). Returns the queue to consume from, measured.
 */
export function settlementGauges(queue: SettlementQueue, registry: Registry): SettlementQueue {
  const registers = [registry];
  const settled = new Counter({ name: "medusa_settlements_total", help: "Settlements this replica handled, by kind (payout, refund) and outcome (applied, retried).", labelNames: ["kind", "outcome"], registers });
  const batches = new Histogram({ name: "medusa_settlement_batch_duration_seconds", help: "Time to apply one batch of settlements to the ledger.", buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5], registers });
  const depth = (queue as { depth?: () => Promise<number> }).depth?.bind(queue);
  if (depth) {
    new Gauge({
      name: "medusa_settlement_queue_depth",
      help: "Settlements on the queue not yet acknowledged by a credits replica (the backlog).",
      registers,
      async collect() {
        this.set(await depth().catch(() => Number.NaN));
      },
    });
  }
  const count = (batch: Settlement[], outcome: string) => {
    for (const s of batch) settled.inc({ kind: s.kind, outcome });
  };
  return {
    publish: (batch) => queue.publish(batch),
    close: () => queue.close(),
    consume: (handler) =>
      queue.consume(async (batch) => {
        const stop = batches.startTimer();
        try {
          await handler(batch);
          count(batch, "applied");
        } catch (err) {
          count(batch, "retried");
          throw err;
        } finally {
          stop();
        }
      }),
  };
}
