/** Small guards the agent keeps its maps and settings within. */

/** Programs and cancellations are remembered for this many jobs; older ones are forgotten first. */
export const JOBS_REMEMBERED = 256;

export function checkSlots(slots: number): void {
  if (!Number.isInteger(slots) || slots < 1 || slots > 256) throw new Error(`slots must be a whole number from 1 to 256 (got ${slots})`);
}

export function forgetOldest(seen: Map<string, unknown> | Set<string>): void {
  while (seen.size > JOBS_REMEMBERED) {
    const oldest = seen.keys().next().value as string;
    seen.delete(oldest);
  }
}
