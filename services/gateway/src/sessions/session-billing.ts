import { errorFields, refundKey, sessionPayoutKey, type Settlement, type SettlementQueue } from "@medusa/core";
import type { Log } from "../http/types.ts";

/** What one node earned in one session since the last flush. */
interface Owed {
  sessionId: string;
  nodeId: string;
  amount: number;
  from: number;
  to: number;
}

/**
 * Sessions' payouts and refunds on their way to the settlement queue. A
 * round must not wait for the ledger, so settlements collect here and go out
 * in batches; a failed publish is retried on the next flush.
 *
 * A session's rounds take about a millisecond, so paying each round and
 * partition as its own settlement meant thousands per flush (20 partitions ×
 * 200 rounds in 200 ms): on NATS each was a JetStream publish with its ack,
 * and the ledger applied them all, on the event loop the rounds share (W5's
 * p99 on NATS + Redis, bench/profile/w5-tail.ts). So payouts are summed per
 * session and node until the flush, which sends one settlement each; a batch
 * that failed is sent again as it was, under the same keys.
 *
 * Known gap: this buffer is in the gateway's memory, so a gateway that dies
 * loses the payouts it had not published yet, and the session's refund.
 */
export class SessionBilling {
  private pending: Settlement[] = [];
  private readonly owed = new Map<string, Owed>();
  private flushes = 0;
  private flushing: Promise<void> | null = null;
  private readonly timer: ReturnType<typeof setInterval>;

  constructor(
    private readonly queue: SettlementQueue,
    private readonly log: Log,
    flushMs = 200,
  ) {
    this.timer = setInterval(() => void this.flush(), flushMs);
  }

  payout(sessionId: string, round: number, _partition: number, nodeId: string, amount: number): void {
    if (amount <= 0) return;
    const key = `${sessionId}\u0000${nodeId}`;
    const o = this.owed.get(key);
    if (!o) this.owed.set(key, { sessionId, nodeId, amount, from: round, to: round });
    else {
      o.amount += amount;
      o.from = Math.min(o.from, round);
      o.to = Math.max(o.to, round);
    }
  }

  refund(sessionId: string, owner: string, amount: number): void {
    if (amount > 0) this.pending.push({ v: 1, kind: "refund", key: refundKey(sessionId), jobId: sessionId, owner, amount });
    void this.flush();
  }

  flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    this.settleOwed();
    if (this.pending.length === 0) return Promise.resolve();
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

  /** Turns what each node is owed into one payout per session and node, keyed by this flush. */
  private settleOwed(): void {
    if (this.owed.size === 0) return;
    const flush = ++this.flushes;
    for (const o of this.owed.values()) {
      this.pending.push({ v: 1, kind: "payout", key: sessionPayoutKey(o.sessionId, o.nodeId, o.from, o.to, flush), jobId: o.sessionId, nodeId: o.nodeId, amount: o.amount });
    }
    this.owed.clear();
  }
}
