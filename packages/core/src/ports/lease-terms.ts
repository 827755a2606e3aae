import type { NodeReputation } from "../api.ts";

/**
 * How long a node holds a chunk, and how many it may hold. A lease is short
 * (RENEWED_LEASE_MS) and renewed while its node is connected (the gateway
 * renews every LEASE_RENEW_MS the chunks it sent and has not had back, like
 * BullMQ's extendLock), up to `leaseMsFor(timeoutMs)` after it was handed
 * out: a slow chunk keeps its lease for as long as its timeout allows, and
 * when its gateway dies (nobody renews) it is back in the queue within
 * RENEWED_LEASE_MS instead of the whole cap.
 */
export const RENEWED_LEASE_MS = 20_000;
/** How often a gateway renews its nodes' leases: four times per lease, so two missed renewals (a bus blip) cost nothing. */
export const LEASE_RENEW_MS = 5_000;

/**
 * The most a lease lasts, renewed or not: the chunk's run time, plus one more
 * for time spent prefetched, plus slack. Also how long a chunk that ran out
 * on a node is kept from that node.
 */
export function leaseMsFor(timeoutMs: number): number {
  return timeoutMs * 2 + 5_000;
}

/**
 * How many chunks a node may hold at once, BOINC's per-host quota: a new node
 * starts with `start`; each accepted result adds one; each lease it let run
 * out takes `start` away, never below one. A hoarder soon holds one chunk at
 * a time, an honest node soon gets what its slots can run. Never below one:
 * an outage of the bus or the store runs out honest nodes' leases in bulk,
 * and a window at none never grows again (only results grow it), which
 * stalled a job on two nodes for good. Twin in replicas.lua (windowLeft).
 */
export function leaseWindow(rep: Pick<NodeReputation, "accepted" | "expired">, start: number): number {
  return Math.max(1, start + rep.accepted - start * rep.expired);
}
