/**
 * The voting rules both chunk stores share (the Redis scripts carry a Lua
 * twin of each, in lua/includes/replicas.lua; the contract suite holds them
 * to the same answers).
 */

/** The votes on one open chunk: answers grouped by result hash, and the leases still out. */
export interface Tally {
  /** hash → the nodes that answered it, in the order they answered. */
  groups: Map<string, string[]>;
  leased: string[];
  answered: number;
  largest: number;
}

/**
 * A chunk without a quorum: how many more replicas it must want so that the
 * largest group could still reach `quorum` (0 when the leases out and the
 * replicas already wanted could do it), or "give_up" when that would pass
 * `maxResults` replicas for the chunk.
 */
export function needsMore(tally: Tally, wanted: number, quorum: number, maxResults: number): number | "give_up" {
  const queued = Math.max(0, wanted - tally.leased.length - tally.answered);
  const possible = tally.largest + tally.leased.length + queued;
  if (possible >= quorum) return 0;
  const need = quorum - possible;
  return wanted + need > maxResults ? "give_up" : need;
}

/** Why a chunk whose replicas could not agree failed its job. */
export function disagreement(task: string, index: number, tally: Tally, quorum: number, maxResults: number): string {
  const what = task === "reduce" ? "reduce" : `chunk ${index}`;
  return `${what}: replicas disagreed: ${tally.answered} results, ${tally.groups.size} different, at most ${tally.largest} alike; a quorum of ${quorum} is out of reach within ${maxResults} results`;
}
