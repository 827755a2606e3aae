import type { SessionRecord, SessionStatus } from "@medusa/core";

/** A session's status as the store has it: what a gateway not hosting it answers. */
export const statusOf = (r: SessionRecord): SessionStatus => ({
  id: r.id,
  name: r.name,
  state: r.state,
  partitions: r.partitions,
  rounds: r.rounds,
  credits: { held: r.state === "ended" || r.state === "failed" ? 0 : r.held - r.spent, spent: r.spent },
  createdAt: new Date(r.createdAt).toISOString(),
  ...(r.error ? { error: r.error } : {}),
});
