import { errorMessage, toLogger, type ChunkStore, type LogSink, type Settlement, type SettlementQueue } from "@medusa/core";

/**
 * Moves the chunk store's settlement outbox onto the settlement queue:
 * claim a batch (for `leaseMs`, so another scheduler replica's forwarder
 * takes other entries), publish it, and only once the queue holds it
 * durably, acknowledge it in the store. A batch the queue refused stays this
 * forwarder's and is sent again on its next pass, not when the claim runs
 * out (a credits service back after an outage gets it within `retryMs`). A
 * crash in between leaves the claim to run out and the batch is sent again,
 * which the queue's dedupe and the ledger's keys absorb. `kick` after a transition that may
 * have recorded settlements; a timer retries whatever a failure left behind
 * (a credits service or broker that is down loses nothing, it only waits).
 */
export interface SettlementForwarder {
  kick(): void;
  /** Stops the timer and waits for the pass in progress. */
  close(): Promise<void>;
}

/** How long a forwarder's claim on a batch holds: long enough to publish it, short enough that a dead replica's batch moves soon. */
export const SETTLEMENT_CLAIM_MS = 10_000;

export function forwardSettlements(
  store: ChunkStore,
  queue: SettlementQueue,
  opts: { retryMs?: number; batch?: number; gapMs?: number; leaseMs?: number; now?: () => number; log?: LogSink } = {},
): SettlementForwarder {
  const batch = opts.batch ?? 500;
  const leaseMs = opts.leaseMs ?? SETTLEMENT_CLAIM_MS;
  const now = opts.now ?? Date.now;
  // Passes start at most this often: each one syncs the store and the ledger
  // once, so under load settlements go in batches instead of one sync per chunk.
  const gapMs = opts.gapMs ?? 100;
  let lastStart = 0;
  let delayed: ReturnType<typeof setTimeout> | null = null;
  const log = toLogger(opts.log);
  let running: Promise<void> | null = null;
  let again = false;
  let lastError = "";
  /** Claimed by this forwarder and not yet acknowledged: what the last failed pass left. */
  let held: Settlement[] = [];

  const send = async (pending: Settlement[]) => {
    held = pending;
    await queue.publish(pending);
    await store.ackSettlements(pending.map((s) => s.key));
    held = [];
  };
  const pass = async () => {
    if (held.length > 0) await send(held);
    for (;;) {
      const pending = await store.claimSettlements(batch, now(), leaseMs);
      if (pending.length === 0) return;
      await send(pending);
      if (pending.length < batch) return;
    }
  };

  const kick = () => {
    if (running) {
      again = true;
      return;
    }
    const wait = lastStart + gapMs - performance.now();
    if (wait > 0) {
      delayed ??= setTimeout(() => {
        delayed = null;
        kick();
      }, wait);
      return;
    }
    lastStart = performance.now();
    running = pass()
      .then(() => {
        if (lastError) log.info("settlements flowing again");
        lastError = "";
      })
      .catch((err) => {
        const message = errorMessage(err);
        // Logged once per distinct failure: a long outage must not flood the log.
        if (message !== lastError) log.warn(`settlements wait in the outbox: ${message}`);
        lastError = message;
      })
      .finally(() => {
        running = null;
        if (again) {
          again = false;
          kick();
        }
      });
  };

  const timer = setInterval(kick, opts.retryMs ?? 1000);
  kick();
  return {
    kick,
    async close() {
      clearInterval(timer);
      if (delayed) clearTimeout(delayed);
      again = false;
      await running;
    },
  };
}
