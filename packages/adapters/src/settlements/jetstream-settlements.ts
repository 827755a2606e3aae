import { AckPolicy, DeliverPolicy, JSONCodec, RetentionPolicy, type JetStreamClient, type JetStreamManager, type NatsConnection } from "nats";
import { errorMessage, Settlement, SETTLEMENT_SUBJECT, type SettlementConsumer, type SettlementQueue } from "@medusa/core";
import { prefixedSubject } from "../bus/nats-bus.ts";

/**
 * Settlements over NATS JetStream: a work-queue stream under the deployment's
 * prefix and one durable pull consumer, "credits". A message is acked only
 * after the ledger applied its batch, so a credits service that dies mid-batch
 * gets it again (redelivered after `ackWaitMs`); the ledger's idempotency keys
 * make the second delivery a no-op. Publishing sets the key as the message id,
 * so JetStream also drops a republished settlement within its dedupe window.
 */
export interface JetStreamSettlementsOptions {
  /** The deployment prefix (MEDUSA_PREFIX): names the stream and its subject. */
  prefix: string;
  /** How long a delivered batch may take before JetStream redelivers it. */
  ackWaitMs?: number;
  /** Largest batch handed to the consumer. */
  batch?: number;
}

const codec = JSONCodec<Settlement>();
const CONSUMER = "credits";

export class JetStreamSettlements implements SettlementQueue {
  /** On the wire, under the prefix like the bus's subjects: `medusa.credits.settle`. */
  readonly subject: string;
  private readonly stream: string;
  private readonly js: JetStreamClient;

  private constructor(
    nc: NatsConnection,
    private readonly jsm: JetStreamManager,
    private readonly opts: Required<JetStreamSettlementsOptions>,
  ) {
    this.subject = prefixedSubject(opts.prefix, SETTLEMENT_SUBJECT);
    this.stream = `${opts.prefix.replace(/[^A-Za-z0-9_-]/g, "_")}_settlements`;
    this.js = nc.jetstream();
  }

  /** Creates (or updates) the stream and the durable consumer; both survive restarts of everyone. */
  static async open(nc: NatsConnection, options: JetStreamSettlementsOptions): Promise<JetStreamSettlements> {
    const opts = { ackWaitMs: 5_000, batch: 500, ...options };
    const q = new JetStreamSettlements(nc, await nc.jetstreamManager(), opts);
    await q.ensure();
    return q;
  }

  private async ensure(): Promise<void> {
    const config = { name: this.stream, subjects: [this.subject], retention: RetentionPolicy.Workqueue, duplicate_window: 10 * 60 * 1e9 };
    try {
      await this.jsm.streams.info(this.stream);
      await this.jsm.streams.update(this.stream, config);
    } catch {
      await this.jsm.streams.add(config);
    }
    await this.jsm.consumers.add(this.stream, {
      durable_name: CONSUMER,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: this.opts.ackWaitMs * 1e6,
      max_ack_pending: 10 * this.opts.batch,
    });
  }

  /** Settlements queued and not yet acknowledged by a credits service (the work queue keeps only those). */
  async depth(): Promise<number> {
    return (await this.jsm.streams.info(this.stream)).state.messages;
  }

  async publish(batch: Settlement[]): Promise<void> {
    await Promise.all(batch.map((s) => this.js.publish(this.subject, codec.encode(s), { msgID: s.key })));
  }

  consume(handler: (batch: Settlement[]) => Promise<void>): SettlementConsumer {
    let stopping = false;
    const loop = (async () => {
      const consumer = await this.js.consumers.get(this.stream, CONSUMER);
      while (!stopping) {
        const messages = [];
        try {
          for await (const m of await consumer.fetch({ max_messages: this.opts.batch, expires: 1000 })) messages.push(m);
        } catch (err) {
          if (stopping) break;
          console.error(`settlements: fetch failed (${errorMessage(err)}); retrying`);
          await Bun.sleep(500);
          continue;
        }
        if (messages.length === 0) continue;
        const valid = messages.flatMap((m) => {
          const parsed = Settlement.safeParse(safeJson(m.data));
          if (parsed.success) return [parsed.data];
          // A malformed message can never settle: drop it loudly instead of redelivering it forever.
          console.error(`settlements: dropped a malformed message (seq ${m.seq})`);
          m.term();
          return [];
        });
        try {
          await handler(valid);
          for (const m of messages) m.ack();
        } catch (err) {
          console.error(`settlements: batch of ${valid.length} not settled (${errorMessage(err)}); it will be redelivered`);
          for (const m of messages) m.nak(1000);
        }
      }
    })();
    return {
      async stop() {
        stopping = true;
        await loop;
      },
    };
  }

  /** Leaves the stream and its messages in place: they belong to the deployment, not this process. */
  async close(): Promise<void> {}

  /** For tests: removes the stream and everything in it. */
  async destroy(): Promise<void> {
    await this.jsm.streams.delete(this.stream);
  }
}

function safeJson(data: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(data));
  } catch {
    return null;
  }
}
