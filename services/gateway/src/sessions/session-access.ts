import { call, hostRound, MedusaError, notFound, sessionSubjects, type Bus, type SessionEvent, type SessionRecord, type SessionStatus } from "@medusa/core";
import type { SessionHub } from "./session-hub.ts";
import { statusOf } from "./session-status.ts";

/** What a client's round needs from the session, wherever it is hosted (see session-round.ts). */
export interface RoundChannel {
  listen(listener: (event: SessionEvent) => void): () => void;
  /** Sends the round to the session's host: null once it went out there, else why not. */
  send(round: number, params: unknown, stream: boolean): Promise<{ refused: string | null; host: string }>;
  record(): Promise<SessionRecord>;
}

const final = (r: SessionRecord) => r.state === "ended" || r.state === "failed";
const over = (r: SessionRecord) => `the session has ${r.state}${r.error ? `: ${r.error}` : ""}`;

/**
 * The client's side of sessions on any gateway: reads come from the store,
 * rounds go to the session's host over the bus (or to this gateway's
 * Session when it hosts it). A host that stopped answering is waited out
 * until its lease runs out; then this gateway takes the session over (when
 * it has nodes) or another does, and the round goes there.
 */
export class SessionAccess {
  constructor(
    private readonly bus: Bus,
    private readonly hub: SessionHub,
  ) {}

  /** The owner's session, or not_found (also for another account's session). */
  async record(id: string, owner: string): Promise<SessionRecord> {
    const { record } = await call(this.bus, sessionSubjects.get, { id });
    if (!record || record.owner !== owner) throw notFound(`session ${id}`);
    return record;
  }

  async status(id: string, owner: string): Promise<SessionStatus> {
    const here = this.hub.hostedSession(id);
    if (here && here.owner === owner) return here.status();
    return statusOf(await this.record(id, owner));
  }

  /** Ends it in the store (its refund recorded there); the host notices on its next renewal and closes its nodes. */
  async end(id: string, owner: string, reason: string): Promise<SessionStatus> {
    const here = this.hub.hostedSession(id);
    if (here && here.owner === owner) {
      here.end(reason);
      return here.status();
    }
    await this.record(id, owner);
    const { record } = await call(this.bus, sessionSubjects.end, { id, state: "ended", reason });
    return statusOf(record!);
  }

  channel(id: string, owner: string): RoundChannel {
    return {
      listen: (listener) => this.hub.clients.watch(id, listener),
      send: (round, params, stream) => this.send(id, owner, round, params, stream),
      record: () => this.record(id, owner),
    };
  }

  async send(id: string, owner: string, round: number, params: unknown, stream: boolean): Promise<{ refused: string | null; host: string }> {
    const deadline = Date.now() + this.hub.hostLeaseMs * 2 + 5_000;
    for (;;) {
      const here = this.hub.hostedSession(id);
      if (here && here.owner === owner) return { refused: here.request(round, params, stream), host: this.hub.gatewayId };
      const record = await this.record(id, owner);
      if (final(record)) return { refused: over(record), host: record.host };
      if (record.hostUntil < Date.now()) {
        if (await this.hub.adopt(id)) continue;
      } else {
        try {
          const { refused } = await call(this.bus, hostRound(record.host), { sessionId: id, round, params, stream }, { timeoutMs: 5_000 });
          return { refused: refused ?? null, host: record.host };
        } catch (err) {
          if (!(err instanceof MedusaError) || (err.code !== "unavailable" && err.code !== "timeout")) throw err;
        }
      }
      if (Date.now() > deadline) throw new MedusaError("unavailable", "the session's gateway is not answering and no other has taken it over yet; try again", undefined, { expose: true });
      await Bun.sleep(250);
    }
  }
}
