import type { ChunkStore, Settlement } from "@medusa/core";

/**
 * Redis with `appendfsync everysec` may lose the last second of writes in a
 * crash. A settlement forwarded from that second would reach the ledger while
 * the transition that earned it is undone: the chunk runs again, maybe on
 * another node, and is paid twice. So the outbox hands out a settlement only
 * once it has been pending longer than the fsync window (`holdMs`, timed from
 * when this replica first saw it): by then it is in the append-only file.
 * Payouts arrive that much later; nothing else changes.
 */
export function holdSettlements(store: ChunkStore, holdMs: number, now: () => number = () => performance.now()): ChunkStore {
  const firstSeen = new Map<string, number>();
  const pendingSettlements = async (limit: number): Promise<Settlement[]> => {
    const pending = await store.pendingSettlements(limit);
    const t = now();
    for (const s of pending) if (!firstSeen.has(s.key)) firstSeen.set(s.key, t);
    // A complete view: keys no longer pending were forwarded by another replica.
    if (pending.length < limit) {
      const present = new Set(pending.map((s) => s.key));
      for (const key of firstSeen.keys()) if (!present.has(key)) firstSeen.delete(key);
    }
    return pending.filter((s) => t - firstSeen.get(s.key)! >= holdMs);
  };
  const ackSettlements = async (keys: string[]): Promise<void> => {
    await store.ackSettlements(keys);
    for (const key of keys) firstSeen.delete(key);
  };
  return new Proxy(store, {
    get(target, prop) {
      if (prop === "pendingSettlements") return pendingSettlements;
      if (prop === "ackSettlements") return ackSettlements;
      const value = Reflect.get(target, prop, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}
