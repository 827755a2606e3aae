import { connect, type Msg, type NatsConnection, type Subscription } from "nats";
import { BusError, type Bus, type BusMessage, type BusSubscription } from "@medusa/core";
import { PendingReplies, within } from "./pending-replies.ts";

export interface NatsBusOptions {
  /** The deployment prefix (MEDUSA_PREFIX); none puts subjects on the wire as they are. */
  prefix?: string;
  /** Connection name, shown by the server's monitoring. */
  name?: string;
  /** Upper bound on how long drain() waits for subscribers and unanswered requests. */
  drainTimeoutMs?: number;
}

/** A subject as it travels on the wire: `<prefix>.<subject>`. The one place the deployment prefix is applied. */
export const prefixedSubject = (prefix: string | undefined, subject: string): string => (prefix ? `${prefix}.${subject}` : subject);

/**
 * The bus over NATS core. Every subject goes on the wire under `<prefix>.`,
 * so parallel test runs and stacks sharing a server never hear each other;
 * callers only ever see un-prefixed subjects.
 */
export class NatsBus implements Bus {
  private readonly subs = new Set<NatsSubscription>();
  private readonly pending = new PendingReplies();
  private drained: Promise<void> | undefined;

  private constructor(
    /** The raw connection, for JetStream; subjects used on it directly are not prefixed. */
    readonly nc: NatsConnection,
    private readonly prefix: string | undefined,
    private readonly drainTimeoutMs: number,
  ) {}

  static async connect(url: string, opts: NatsBusOptions = {}): Promise<NatsBus> {
    // Reconnect for as long as it takes: a NATS restart of any length must not leave a service with a dead bus (its /readyz says so meanwhile).
    const nc = await connect({ servers: url, name: opts.name, maxReconnectAttempts: -1 });
    return new NatsBus(nc, opts.prefix, opts.drainTimeoutMs ?? 5_000);
  }

  /** The subject as it travels on the wire. */
  wireSubject(subject: string): string {
    return prefixedSubject(this.prefix, subject);
  }

  publish(subject: string, data: Uint8Array): void {
    try {
      this.nc.publish(this.wireSubject(subject), data);
    } catch (err) {
      throw busError(err, subject);
    }
  }

  subscribe(subject: string, opts: { queue?: string } = {}): BusSubscription {
    if (this.drained) throw new BusError("closed", subject);
    let sub: Subscription;
    try {
      sub = this.nc.subscribe(this.wireSubject(subject), opts.queue ? { queue: opts.queue } : {});
    } catch (err) {
      throw busError(err, subject);
    }
    const wrapped = new NatsSubscription(sub, {
      message: (m) => this.message(m),
      forget: (s) => this.subs.delete(s),
    });
    this.subs.add(wrapped);
    return wrapped;
  }

  async request(subject: string, data: Uint8Array, opts: { timeoutMs: number }): Promise<Uint8Array> {
    try {
      const reply = await this.nc.request(this.wireSubject(subject), data, { timeout: opts.timeoutMs });
      return reply.data;
    } catch (err) {
      throw busError(err, subject);
    }
  }

  async flush(): Promise<void> {
    try {
      await this.nc.flush();
    } catch (err) {
      throw busError(err, "");
    }
  }

  /**
   * nc.drain() alone would close the connection as soon as the server has
   * stopped sending, before handlers have replied; so first stop intake, wait
   * for readers to finish what they hold and for taken requests to be
   * answered (bounded), and only then drain the connection.
   */
  drain(): Promise<void> {
    this.drained ??= (async () => {
      const subs = [...this.subs];
      await within(
        this.drainTimeoutMs,
        (async () => {
          await Promise.all(subs.map((s) => s.stopIntake()));
          await Promise.all(subs.map((s) => s.ended()));
          await this.pending.settled();
        })(),
      );
      if (!this.nc.isClosed()) await this.nc.drain().catch(() => this.nc.close());
    })();
    return this.drained;
  }

  private message(m: Msg): BusMessage {
    const reply = m.reply;
    if (reply) this.pending.add(reply);
    return {
      subject: this.prefix && m.subject.startsWith(`${this.prefix}.`) ? m.subject.slice(this.prefix.length + 1) : m.subject,
      data: m.data,
      respond: (answer) => {
        if (!reply) return;
        this.pending.answered(reply);
        try {
          m.respond(answer);
        } catch {
          // The connection is gone; the requester will see a timeout, which is all it could learn anyway.
        }
      },
    };
  }
}

interface NatsSubscriptionHooks {
  message(m: Msg): BusMessage;
  forget(sub: NatsSubscription): void;
}

class NatsSubscription implements BusSubscription {
  private reading = false;
  private readonly finished = Promise.withResolvers<void>();

  constructor(
    private readonly sub: Subscription,
    private readonly hooks: NatsSubscriptionHooks,
  ) {}

  unsubscribe(): void {
    this.hooks.forget(this);
    try {
      if (!this.sub.isClosed()) this.sub.unsubscribe();
    } catch {
      // Already gone with its connection.
    }
  }

  /** Unsubscribes at the server; messages already received stay readable. */
  async stopIntake(): Promise<void> {
    if (this.sub.isClosed() || this.sub.isDraining()) return;
    await this.sub.drain().catch(() => this.unsubscribe());
  }

  /** Resolves once the reader has seen the end (at once if nobody ever read). */
  ended(): Promise<void> {
    return this.reading ? this.finished.promise : Promise.resolve();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<BusMessage> {
    this.reading = true;
    try {
      for await (const m of this.sub) yield this.hooks.message(m);
    } finally {
      this.unsubscribe();
      this.finished.resolve();
    }
  }
}

/** Turns the NATS errors callers branch on into BusErrors; anything else is a bug and passes through. */
function busError(err: unknown, subject: string): unknown {
  const code = (err as { code?: string } | null)?.code;
  if (code === "503") return new BusError("no_responders", subject);
  if (code === "TIMEOUT") return new BusError("timeout", subject);
  if (code === "CONNECTION_CLOSED" || code === "CONNECTION_DRAINING") return new BusError("closed", subject);
  if (code === "MAX_PAYLOAD_EXCEEDED") return new BusError("too_large", subject);
  return err;
}
