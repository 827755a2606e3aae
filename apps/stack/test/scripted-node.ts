import { call, subjects, type Bus, type ChunkLease } from "@medusa/core";

/**
 * A volunteer node played over the bus, for tests of what happens around a
 * chunk (leases, results, settlement) without runner processes: it computes
 * `x + 1` for range and inline items.
 */
export class ScriptedNode {
  constructor(
    private readonly bus: Bus,
    readonly nodeId: string,
    /** The node's owner account; by default the node counts as its own owner. */
    readonly owner = nodeId,
  ) {}

  /** Leases up to `max` chunks, waiting up to `ms` for any to be queued. */
  async lease(max: number, ms = 5000): Promise<ChunkLease[]> {
    const end = Date.now() + ms;
    for (;;) {
      const { leases } = await call(this.bus, subjects.leaseChunks, { nodeId: this.nodeId, owner: this.owner, max });
      if (leases.length > 0 || Date.now() > end) return leases;
      await Bun.sleep(10);
    }
  }

  complete(lease: ChunkLease, token = lease.token) {
    return call(this.bus, subjects.completeChunk, { nodeId: this.nodeId, jobId: lease.jobId, index: lease.index, token, results: JSON.stringify(plusOne(lease)) });
  }

  /** Leases and completes `n` chunks, one lease round trip per chunk, `paceMs` apart (a node's own work takes time). */
  async work(n: number, paceMs = 0): Promise<number> {
    let done = 0;
    while (done < n) {
      const [lease] = await this.lease(1);
      if (!lease) break;
      if ((await this.complete(lease)).outcome === "accepted") done++;
      if (paceMs > 0) await Bun.sleep(paceMs);
    }
    return done;
  }
}

function plusOne(lease: ChunkLease): unknown {
  const input = lease.input;
  if (lease.task === "reduce") return null;
  if (input.kind === "range") {
    const out: number[] = [];
    for (let x = input.start; x < input.stop; x += input.step) out.push(x + 1);
    return out;
  }
  if (input.kind === "items") return input.items.map((x) => (x as number) + 1);
  throw new Error(`scripted node: unexpected input ${input.kind}`);
}
