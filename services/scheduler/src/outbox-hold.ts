import type { ChunkStore, Settlement } from "@medusa/core";

/**
 * Redis with `appendfsync everysec` may lose the last second or two of writes
 * in a power loss. A settlement forwarded from that window would reach the
 * ledger while the transition that earned it is undone: the chunk runs again,
 * maybe on another node, and is paid twice. So the outbox hands out a
 * settlement only once it has been pending longer than the fsync window
 * (`holdMs`, timed from when this replica first saw it): by then it is in the
 * append-only file.
 *
 * The forwarder claims batches; a pass that would find nothing old enough
 * claims nothing (young entries stay free for any replica), and the young
 * entries of a batch that is claimed wait out that claim before they go.
 * Payouts reach the ledger that much later; nothing else changes.
 */
export function holdSettlements(store: ChunkStore, holdMs: number, now: () => number = () => performance.now()): ChunkStore {
  const firstSeen = new Map<string, number>();
  const age = (key: string, t: number) => t - (firstSeen.get(key) ?? t);
  const look = async (limit: number, t: number) => {
    const pending = await store.pendingSettlements(limit);
    for (const s of pending) if (!firstSeen.has(s.key)) firstSeen.set(s.key, t);
    // A complete view: keys no longer pending were forwarded by another replica.
    if (pending.length < limit) {
      const present = new Set(pending.map((s) => s.key));
      for (const key of firstSeen.keys()) if (!present.has(key)) firstSeen.delete(key);
    }
    return pending;
  };
  const claimSettlements = async (limit: number, at: number, leaseMs: number): Promise<Settlement[]> => {
    const t = now();
    const pending = await look(limit, t);
    if (!pending.some((s) => age(s.key, t) >= holdMs)) return [];
    const claimed = await store.claimSettlements(limit, at, leaseMs);
    return claimed.filter((s) => age(s.key, t) >= holdMs);
  };
  const ackSettlements = async (keys: string[]): Promise<void> => {
    await store.ackSettlements(keys);
    for (const key of keys) firstSeen.delete(key);
  };
  return new Proxy(store, {
    get(target, prop) {
      if (prop === "claimSettlements") return claimSettlements;
      if (prop === "ackSettlements") return ackSettlements;
      const value = Reflect.get(target, prop, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}
