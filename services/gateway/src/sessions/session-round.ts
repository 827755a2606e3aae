import { MedusaError, type SessionEvent, type SessionRecord, type SessionRoundResult } from "@medusa/core";
import type { RoundChannel } from "./session-access.ts";

const WATCH_MS = 1_000;
const conflict = (message: string, r: { state: string; rounds: number }) => new MedusaError("conflict", message, { state: r.state, rounds: r.rounds });
const final = (r: SessionRecord) => r.state === "ended" || r.state === "failed";

/**
 * One round for a client without the WebSocket: waits for the session to be
 * ready if it is still setting up, sends the round, and settles when it
 * completes, or when the session ends or fails first (a 409 saying why).
 * The round completed before (a retry after a lost answer) is answered from
 * the store, not run again. While it waits it watches the store: a host that
 * died with the round in flight is replaced, and the round is sent again to
 * the new host, which pays it once. A client that goes away stops
 * listening; the round it sent still runs, as one sent over the socket does.
 * `sentTo`: the round already went out to that host (a socket's round,
 * followed so that a host's death does not leave it unanswered).
 */
export function runRound(channel: RoundChannel, round: number, params: unknown, signal: AbortSignal, opts: { stream?: boolean; sentTo?: string } = {}): Promise<SessionRoundResult> {
  return new Promise((resolve, reject) => {
    let sentTo: string | null = opts.sentTo ?? null;
    let sending = false;
    let done = false;
    const finish = (settle: () => void) => {
      if (done) return;
      done = true;
      stop();
      clearInterval(watch);
      signal.removeEventListener("abort", abandon);
      settle();
    };
    const fail = (err: unknown) => finish(() => reject(err));
    const send = async () => {
      if (sending || done) return;
      sending = true;
      try {
        const { refused, host } = await channel.send(round, params, opts.stream ?? false);
        if (refused === null) sentTo = host;
        else if (!refused.startsWith("the session is still starting")) {
          const r = await channel.record();
          if (r.last?.round === round) return finish(() => resolve(r.last!));
          fail(conflict(refused, r));
        }
      } catch (err) {
        fail(err);
      } finally {
        sending = false;
      }
    };
    const listener = (event: SessionEvent) => {
      if (event.type === "ready" && !sentTo) void send();
      else if (event.type === "round" && event.round === round) finish(() => resolve({ round, partials: event.partials, ms: event.ms }));
      else if (event.type === "ended") void channel.record().then((r) => fail(conflict(`the session has ${event.state}: ${event.reason}`, r)), fail);
    };
    /** The store is the truth: the round done, the session over, or its host changed since the round went out. */
    const check = async () => {
      try {
        const r = await channel.record();
        if (r.last?.round === round) return finish(() => resolve(r.last!));
        if (final(r)) return fail(conflict(`the session has ${r.state}${r.error ? `: ${r.error}` : ""}`, r));
        if (r.state === "ready" && (!sentTo || r.host !== sentTo || r.hostUntil < Date.now())) void send();
      } catch (err) {
        fail(err);
      }
    };
    const abandon = () => finish(() => reject(new MedusaError("bad_request", "the client went away")));
    const stop = channel.listen(listener);
    const watch = setInterval(() => void check(), WATCH_MS);
    signal.addEventListener("abort", abandon, { once: true });
    void check();
  });
}
