import { MedusaError, type SessionEvent, type SessionRoundResult } from "@medusa/core";
import type { Session } from "./session.ts";

/**
 * One round for a client without the WebSocket: waits for the session to be
 * ready if it is still setting up, sends the round, and settles when it
 * completes, or when the session ends or fails first (a 409 saying why). A
 * client that goes away stops listening; the round it sent still runs, as
 * one sent over the socket does.
 */
export function runRound(session: Session, round: number, params: unknown, signal: AbortSignal): Promise<SessionRoundResult> {
  return new Promise((resolve, reject) => {
    let sent = false;
    const finish = (settle: () => void) => {
      session.clients.delete(listen);
      signal.removeEventListener("abort", abandon);
      settle();
    };
    const send = () => {
      sent = true;
      const refused = session.request(round, params, false);
      if (refused) finish(() => reject(new MedusaError("conflict", refused, { state: session.state, rounds: session.rounds })));
    };
    const listen = (event: SessionEvent) => {
      if (event.type === "ready" && !sent) send();
      else if (event.type === "round" && event.round === round && sent) finish(() => resolve({ round, partials: event.partials, ms: event.ms }));
      else if (event.type === "ended") finish(() => reject(new MedusaError("conflict", `the session has ${event.state}: ${event.reason}`, { state: event.state, rounds: session.rounds })));
    };
    const abandon = () => finish(() => reject(new MedusaError("bad_request", "the client went away")));
    if (session.final) return reject(new MedusaError("conflict", `the session has ${session.state}${session.error ? `: ${session.error}` : ""}`, { state: session.state, rounds: session.rounds }));
    session.clients.add(listen);
    signal.addEventListener("abort", abandon, { once: true });
    if (session.state === "ready") send();
  });
}
