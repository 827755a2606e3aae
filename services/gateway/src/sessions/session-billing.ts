import { errorFields, refundKey, roundPayoutKey, type Settlement, type SettlementQueue } from "@medusa/core";
import type { Log } from "../http/types.ts";

/**
 * Sessions' payouts and refunds on their way to the settlement queue. A
 * round must not wait for the ledger, so settlements collect here and go out
 * in batches; a failed publish is retried on the next flush.
 * Known gap: this buffer is in the gateway's memory, so a gateway that dies
 * loses the payouts it had not published yet, and the session's refund.
 */
export class SessionBilling {
  private pending: Settlement[] = [];
  private flushing: Promise<void> | null = null;
  private readonly timer: ReturnType<typeof setInterval>;

  constructor(
    private readonly queue: SettlementQueue,
    private readonly log: Log,
    flushMs = 200,
  ) {
    this.timer = setInterval(() => void this.flush(), flushMs);
  }

  payout(sessionId: string, round: number, partition: number, nodeId: string, amount: number): void {
    if (amount <= 0) return;
    this.pending.push({ v: 1, kind: "payout", key: roundPayoutKey(sessionId, round, partition, nodeId), jobId: sessionId, nodeId, amount });
  }

  refund(sessionId: string, owner: string, amount: number): void {
    if (amount > 0) this.pending.push({ v: 1, kind: "refund", key: refundKey(sessionId), jobId: sessionId, owner, amount });
    void this.flush();
  }

  flush(): Promise<void> {
    if (this.flushing || this.pending.length === 0) return this.flushing ?? Promise.resolve();
    const batch = this.pending;
    this.pending = [];
    this.flushing = this.queue
      .publish(batch)
      .catch((err) => {
        this.log.warn("session settlements wait for the next flush", errorFields(err));
        this.pending = batch.concat(this.pending);
      })
      .finally(() => (this.flushing = null));
    return this.flushing;
  }

  /** Stops the timer after one last attempt to publish. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flushing;
    await this.flush();
  }
}
