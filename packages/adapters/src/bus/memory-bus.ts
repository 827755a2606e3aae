import { BusError, subjectMatcher, type Bus, type BusMessage, type BusSubscription } from "@medusa/core";
import { PendingReplies, within } from "./pending-replies.ts";

/**
 * An in-process bus with NATS core semantics, for tests and single-process
 * deployments. Publishing only appends to subscriber buffers; subscribers run
 * when their iterator's promise settles, so a handler never runs inside
 * publish() and messages from one publisher arrive in the order sent.
 */
export interface MemoryBusOptions {
  /** Upper bound on how long drain() waits for subscribers and unanswered requests. */
  drainTimeoutMs?: number;
}

type State = "open" | "draining" | "closed";

export class MemoryBus implements Bus {
  private subs: MemorySubscription[] = [];
  private readonly inboxes = new Map<string, { resolve(data: Uint8Array): void; reject(err: BusError): void }>();
  private readonly turns = new Map<string, number>();
  private readonly pending = new PendingReplies();
  private readonly drainTimeoutMs: number;
  private state: State = "open";
  private drained: Promise<void> | undefined;
  private nextInbox = 0;

  constructor(opts: MemoryBusOptions = {}) {
    this.drainTimeoutMs = opts.drainTimeoutMs ?? 5_000;
  }

  publish(subject: string, data: Uint8Array): void {
    if (this.state === "closed") throw new BusError("closed", subject);
    this.route(subject, data);
  }

  subscribe(subject: string, opts: { queue?: string } = {}): BusSubscription {
    if (this.state !== "open") throw new BusError("closed", subject);
    const sub = new MemorySubscription(subject, opts.queue, {
      detach: (s) => (this.subs = this.subs.filter((x) => x !== s)),
      delivered: (msg) => {
        if (msg.reply) this.pending.add(msg.reply);
      },
    });
    this.subs.push(sub);
    return sub;
  }

  request(subject: string, data: Uint8Array, opts: { timeoutMs: number }): Promise<Uint8Array> {
    if (this.state === "closed") return Promise.reject(new BusError("closed", subject));
    const inbox = `_INBOX.${++this.nextInbox}`;
    return new Promise((resolve, reject) => {
      const finish = () => {
        clearTimeout(timer);
        this.inboxes.delete(inbox);
        // The requester is local, so once it stops waiting nobody needs the reply.
        this.pending.answered(inbox);
      };
      const timer = setTimeout(() => {
        finish();
        reject(new BusError("timeout", subject));
      }, opts.timeoutMs);
      this.inboxes.set(inbox, {
        resolve: (reply) => (finish(), resolve(reply)),
        reject: (err) => (finish(), reject(err)),
      });
      if (this.route(subject, data, inbox) === 0) {
        finish();
        reject(new BusError("no_responders", subject));
      }
    });
  }

  async flush(): Promise<void> {
    // Delivery into subscriber buffers is synchronous, so there is nothing in transit.
    if (this.state === "closed") throw new BusError("closed", "");
  }

  drain(): Promise<void> {
    if (this.drained) return this.drained;
    this.state = "draining";
    const subs = this.subs;
    for (const sub of subs) sub.close();
    this.drained = (async () => {
      await within(
        this.drainTimeoutMs,
        (async () => {
          await Promise.all(subs.map((s) => s.ended()));
          await this.pending.settled();
        })(),
      );
      this.state = "closed";
      for (const inbox of [...this.inboxes.values()]) inbox.reject(new BusError("closed", ""));
    })();
    return this.drained;
  }

  /** Hands a message to every plain subscriber and one member of each queue group; returns how many got it. */
  private route(subject: string, data: Uint8Array, reply?: string): number {
    this.inboxes.get(subject)?.resolve(data);
    let count = 0;
    const groups = new Map<string, MemorySubscription[]>();
    for (const sub of this.subs) {
      if (!sub.matches(subject)) continue;
      if (sub.queue === undefined) {
        sub.accept(this.message(subject, data, reply));
        count++;
      } else {
        const members = groups.get(sub.queue);
        if (members) members.push(sub);
        else groups.set(sub.queue, [sub]);
      }
    }
    for (const [queue, members] of groups) {
      const turn = this.turns.get(queue) ?? 0;
      this.turns.set(queue, turn + 1);
      members[turn % members.length]!.accept(this.message(subject, data, reply));
      count++;
    }
    return count;
  }

  private message(subject: string, data: Uint8Array, reply: string | undefined): MemoryMessage {
    return {
      subject,
      data,
      reply,
      respond: (answer) => {
        if (!reply) return;
        this.pending.answered(reply);
        // A reply after close has nobody to go to: the requester was already rejected.
        if (this.state !== "closed") this.route(reply, answer);
      },
    };
  }
}

interface MemoryMessage extends BusMessage {
  readonly reply: string | undefined;
}

interface SubscriptionHooks {
  detach(sub: MemorySubscription): void;
  delivered(msg: MemoryMessage): void;
}

/** One reader; after close() it hands out what it already holds and then ends. */
class MemorySubscription implements BusSubscription {
  private buffer: MemoryMessage[] = [];
  private head = 0;
  private wake: (() => void) | undefined;
  private open = true;
  private reading = false;
  private readonly finished = Promise.withResolvers<void>();
  readonly matches: (subject: string) => boolean;

  constructor(
    readonly pattern: string,
    readonly queue: string | undefined,
    private readonly hooks: SubscriptionHooks,
  ) {
    this.matches = subjectMatcher(pattern);
  }

  accept(msg: MemoryMessage): void {
    if (!this.open) return;
    this.buffer.push(msg);
    this.signal();
  }

  close(): void {
    if (!this.open) return;
    this.open = false;
    this.hooks.detach(this);
    this.signal();
  }

  unsubscribe(): void {
    this.close();
  }

  /** Resolves once the reader has seen the end (at once if nobody ever read). */
  ended(): Promise<void> {
    return this.reading ? this.finished.promise : Promise.resolve();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<BusMessage> {
    if (this.reading) throw new Error(`subscription ${this.pattern} already has a reader`);
    this.reading = true;
    try {
      while (true) {
        const msg = this.take();
        if (msg) {
          this.hooks.delivered(msg);
          yield msg;
        } else if (!this.open) {
          return;
        } else {
          await new Promise<void>((resolve) => (this.wake = resolve));
        }
      }
    } finally {
      this.close();
      this.buffer = [];
      this.finished.resolve();
    }
  }

  private take(): MemoryMessage | undefined {
    if (this.head >= this.buffer.length) return undefined;
    const msg = this.buffer[this.head++];
    // Compact now and then so a long-lived subscription does not keep every message.
    if (this.head > 1024 && this.head * 2 > this.buffer.length) {
      this.buffer = this.buffer.slice(this.head);
      this.head = 0;
    }
    return msg;
  }

  private signal(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
