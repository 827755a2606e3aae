import { emit, errorFields, listen, sessionEvents, type Bus, type Served, type SessionEvent } from "@medusa/core";
import type { Log } from "../http/types.ts";

type Listener = (event: SessionEvent) => void;

/**
 * The session clients connected to this gateway (sockets, HTTP rounds
 * waiting), by session, whichever gateway hosts the session: a host
 * publishes each event on the bus and hands it to its own clients at once;
 * every other gateway listens on the bus while it has clients of that
 * session. A listener stays put when the session changes host.
 */
export class SessionClients {
  private readonly listeners = new Map<string, { set: Set<Listener>; served: Served }>();

  constructor(
    private readonly bus: Bus,
    private readonly hostedHere: (sessionId: string) => boolean,
    private readonly log: Log,
  ) {}

  /** From the host: to every gateway's clients of the session. */
  publish(sessionId: string, event: SessionEvent): void {
    this.deliver(sessionId, event);
    emit(this.bus, sessionEvents.event, event, sessionId);
  }

  /** Listens to the session's events; returns how to stop. */
  watch(sessionId: string, listener: Listener): () => void {
    let entry = this.listeners.get(sessionId);
    if (!entry) {
      const onError = (err: unknown) => this.log.warn("session event skipped", errorFields(err));
      // The host delivered its own clients' copy already.
      const served = listen(this.bus, sessionEvents.event, (event) => void (this.hostedHere(sessionId) || this.deliver(sessionId, event)), { subject: sessionEvents.event.subject(sessionId), onError });
      entry = { set: new Set(), served };
      this.listeners.set(sessionId, entry);
    }
    const { set } = entry;
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size > 0 || this.listeners.get(sessionId)?.set !== set) return;
      this.listeners.get(sessionId)!.served.subscription.unsubscribe();
      this.listeners.delete(sessionId);
    };
  }

  /** Sessions with a client here: for tests and metrics. */
  get size(): number {
    return this.listeners.size;
  }

  close(): void {
    for (const { served } of this.listeners.values()) served.subscription.unsubscribe();
    this.listeners.clear();
  }

  private deliver(sessionId: string, event: SessionEvent): void {
    for (const l of [...(this.listeners.get(sessionId)?.set ?? [])]) l(event);
  }
}
