import { serve, sessionSubjects, type Served, type SessionStore } from "@medusa/core";
import type { SchedulerContext } from "./scheduler-context.ts";
import type { SettlementForwarder } from "./settlement-forwarder.ts";

/** Host leases longer than this are refused: a dead gateway's sessions must be taken over within seconds. */
const MAX_HOST_LEASE_MS = 60_000;

/**
 * Sessions' durable state for every gateway (see core's ports/session-store.ts):
 * each request is one store write, on the scheduler's clock. A round's
 * payouts and an end's refund land in the outbox, so the forwarder is
 * kicked after them as after a job's transition.
 */
export function serveSessions(ctx: SchedulerContext, sessions: SessionStore, outbox: SettlementForwarder): Served[] {
  const { bus, now, queue, onError } = ctx;
  const opts = { queue, onError };
  return [
    serve(bus, sessionSubjects.create, async ({ record }) => {
      await sessions.createSession({ ...record, hostUntil: Math.max(record.hostUntil, now()) });
      return { ok: true as const };
    }, opts),
    serve(bus, sessionSubjects.get, async ({ id }) => ({ record: await sessions.getSession(id) }), opts),
    serve(bus, sessionSubjects.host, async ({ id, gateway, leaseMs }) => ({ record: await sessions.hostSession(id, gateway, now(), Math.min(leaseMs, MAX_HOST_LEASE_MS)) }), opts),
    serve(bus, sessionSubjects.orphans, async ({ limit }) => ({ ids: await sessions.orphanSessions(now(), limit) }), opts),
    serve(bus, sessionSubjects.place, async ({ id, gateway, placement, ready }) => ({ write: await sessions.placeSession(id, gateway, placement, ready) }), opts),
    serve(bus, sessionSubjects.round, async ({ id, gateway, result, holders }) => {
      const write = await sessions.completeRound(id, gateway, result, holders, now());
      if (write === "ok") outbox.kick();
      return { write };
    }, opts),
    serve(bus, sessionSubjects.end, async ({ id, state, reason }) => {
      const record = await sessions.endSession(id, state, reason, now());
      outbox.kick();
      return { record };
    }, opts),
  ];
}
