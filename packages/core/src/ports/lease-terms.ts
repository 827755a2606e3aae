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

/**
 * When a lease counts as a straggler and may get a backup lease (MapReduce's
 * backup tasks, Hadoop's speculative execution): once it has been held twice
 * as long as the job's accepted results took on average from lease to
 * result, and never sooner than BACKUP_FLOOR_MS. A job with no accepted
 * result yet has no evidence, so its leases wait BACKUP_NO_RESULT_MS, longer
 * than a first chunk's program load on a cold runner (bench/cold-start.md),
 * far shorter than the lease cap a stalled node would hold it for. Twin in
 * backups.lua (backupAfter) and sqlite-backups.ts.
 *
 * Twice the mean, not more: lease-to-result already includes the time a
 * chunk waits in its node's prefetch queue, so a lease held twice that is
 * late on any node. The floor: below about 100 ms a lease's age on a loaded
 * box is scheduling noise (event-loop lag, bus hops), not evidence.
 */
export const BACKUP_AFTER_MEAN = 2;
export const BACKUP_FLOOR_MS = 100;
export const BACKUP_NO_RESULT_MS = 5_000;

/** How long a lease of a job with `done` accepted results, `heldMs` of lease-to-result time in all, is held before it may get a backup. */
export function backupAfterMs(done: number, heldMs: number): number {
  if (done <= 0) return BACKUP_NO_RESULT_MS;
  return Math.max(BACKUP_FLOOR_MS, (BACKUP_AFTER_MEAN * heldMs) / done);
}
