import { describe, expect, test } from "bun:test";
import type { Settlement } from "@medusa/core";
import { holderOf, refs, T0, type ContractContext } from "./chunk-store.fixtures.ts";

/** Part of the ChunkStore contract: chunks run on several nodes and accepted by quorum. */
export function replicasContract(t: ContractContext): void {
  const priced = { credits: { price: 2, held: 40, spent: 0 } };
  const payouts = async (jobId: string) =>
    (await t.store.pendingSettlements(1000))
      .filter((s): s is Extract<Settlement, { kind: "payout" }> => s.kind === "payout" && s.jobId === jobId)
      .map((s) => s.key)
      .sort();
  const leaseOne = async (nodeId: string, owner?: string) => (await t.store.leaseChunks(nodeId, 1, T0, owner ? { owner } : {})).leases[0];

  describe("replicas", () => {
    test("each chunk goes to as many distinct nodes as it has replicas, never twice to one node", async () => {
      const j = await t.newJob({ replicas: 2, quorum: 2 }, 2);
      expect(refs((await t.store.leaseChunks("n1", 5, T0)).leases)).toEqual([`${j.id}:0`, `${j.id}:1`]);
      expect((await t.store.leaseChunks("n1", 5, T0)).leases).toEqual([]);
      const second = (await t.store.leaseChunks("n2", 5, T0)).leases;
      expect(second.map((l) => [l.index, l.attempt])).toEqual([[0, 2], [1, 2]]);
      expect((await t.store.leaseChunks("n3", 5, T0)).leases).toEqual([]);
      expect((await t.job(j.id)).chunks).toEqual({ total: 2, done: 0, running: 4, failed: 0 });
    });

    test("two nodes of one owner never run the same chunk; a private pool passes node ids as owners", async () => {
      const j = await t.newJob({ replicas: 2, quorum: 2 }, 1);
      expect(await leaseOne("n1", "acct_a")).toBeDefined();
      expect(await leaseOne("n2", "acct_a")).toBeUndefined();
      expect((await leaseOne("n3", "acct_b"))?.jobId).toBe(j.id);
      const pool = await t.newJob({ replicas: 2, quorum: 2 }, 1);
      expect((await leaseOne("p1"))?.jobId).toBe(pool.id);
      expect((await leaseOne("p2"))?.jobId).toBe(pool.id);
    });

    test("with origins, two nodes of one network never run the same chunk, answered or not; a replica given back frees its network", async () => {
      const j = await t.newJob({ replicas: 3, quorum: 2 }, 1, true);
      const lease = (nodeId: string, owner: string, origin: string) => t.store.leaseChunks(nodeId, 1, T0, { owner, origin }).then((r) => r.leases[0]);
      const a = (await lease("n1", "acct_a", "10.0.0.0/24"))!;
      expect(await lease("n2", "acct_b", "10.0.0.0/24")).toBeUndefined();
      expect((await t.store.completeChunk(holderOf(a, "n1"), "[1]", T0)).outcome).toBe("pending");
      expect(await lease("n2", "acct_b", "10.0.0.0/24")).toBeUndefined();
      const b = (await lease("n3", "acct_c", "2001:db8:1:2::/64"))!;
      expect(b.jobId).toBe(j.id);
      expect((await t.store.releaseNode("n3", T0)).requeued).toBe(1);
      expect((await lease("n4", "acct_d", "2001:db8:1:2::/64"))?.jobId).toBe(j.id);
      // Without an origin (a private pool) the network is not asked.
      expect((await t.store.leaseChunks("n5", 1, T0, { owner: "acct_e" })).leases[0]?.jobId).toBe(j.id);
    });

    test("agreeing results are accepted with the quorum's last one; each agreeing node is paid and its record grows", async () => {
      const j = await t.newJob({ replicas: 2, quorum: 2, ...priced }, 1, true);
      const a = (await leaseOne("n1"))!;
      const b = (await leaseOne("n2"))!;
      const first = await t.store.completeChunk(holderOf(a, "n1"), "[1]", T0 + 1, "h1");
      expect(first.outcome).toBe("pending");
      expect(first.events.map((e) => e.event)).toEqual([
        { id: 7, type: "progress", state: "running", chunks: { total: 1, done: 0, running: 1, failed: 0 }, sealed: true },
      ]);
      expect(await t.store.readResults(j.id, 0, 10)).toEqual([]);
      const second = await t.store.completeChunk(holderOf(b, "n2"), "[1]", T0 + 2, "h1");
      expect(second.outcome).toBe("accepted");
      expect(second.disagreed).toEqual([]);
      expect(second.events.map((e) => e.event)).toEqual([
        { id: 8, type: "chunk", index: 0, task: "map", nodeId: "n2", chunks: { total: 1, done: 1, running: 0, failed: 0 } },
        { id: 9, type: "done", chunks: { total: 1, done: 1, running: 0, failed: 0 } },
      ]);
      expect(await t.store.readResults(j.id, 0, 10)).toMatchObject([{ index: 0, results: "[1]" }]);
      expect(await payouts(j.id)).toMatchObject([`payout:${j.id}:0:n1`, `payout:${j.id}:0:n2`]);
      expect((await t.job(j.id)).credits.spent).toBe(4);
      expect(await t.store.reputations(["n1", "n2", "n9"])).toMatchObject({
        n1: { agreed: 1, disagreed: 0, streak: 1 },
        n2: { agreed: 1, disagreed: 0, streak: 1 },
        n9: { agreed: 0, disagreed: 0, streak: 0 },
      });
    });

    test("disagreement wants one more replica, at the front; the majority wins and the dissenter is caught, unpaid", async () => {
      const j = await t.newJob({ replicas: 2, quorum: 2, ...priced }, 2, true);
      const [a] = (await t.store.leaseChunks("n1", 1, T0)).leases;
      const [b] = (await t.store.leaseChunks("n2", 1, T0)).leases;
      expect((await t.store.completeChunk(holderOf(a!, "n1"), "[1]", T0, "right")).outcome).toBe("pending");
      const split = await t.store.completeChunk(holderOf(b!, "n2"), "[666]", T0, "wrong");
      expect(split.outcome).toBe("pending");
      expect(split.events.map((e) => e.event.type)).toEqual(["progress"]);
      expect((await leaseOne("n1"))?.index).toBe(1);
      const tie = (await leaseOne("n3"))!;
      expect([tie.index, tie.attempt]).toEqual([0, 3]);
      const won = await t.store.completeChunk(holderOf(tie, "n3"), "[1]", T0, "right");
      expect(won.outcome).toBe("accepted");
      expect(won.disagreed).toEqual(["n2"]);
      expect(await t.store.readResults(j.id, 0, 1)).toMatchObject([{ index: 0, results: "[1]" }]);
      expect(await payouts(j.id)).toMatchObject([`payout:${j.id}:0:n1`, `payout:${j.id}:0:n3`]);
      expect(await t.store.reputations(["n1", "n2", "n3"])).toMatchObject({
        n1: { agreed: 1, disagreed: 0, streak: 1 },
        n2: { agreed: 0, disagreed: 1, streak: 0 },
        n3: { agreed: 1, disagreed: 0, streak: 1 },
      });
    });

    test("replicas that keep disagreeing fail the chunk and its job with an explanation; nobody is paid", async () => {
      const j = await t.newJob({ replicas: 2, quorum: 2, ...priced }, 1, true);
      const outcomes: string[] = [];
      for (const [i, node] of ["n1", "n2", "n3", "n4"].entries()) {
        const lease = (await leaseOne(node))!;
        outcomes.push((await t.store.completeChunk(holderOf(lease, node), `[${i}]`, T0 + i)).outcome);
      }
      expect(outcomes).toEqual(["pending", "pending", "pending", "rejected"]);
      const error = "chunk 0: replicas disagreed: 4 results, 4 different, at most 1 alike; a quorum of 2 is out of reach within 4 results";
      expect(await t.job(j.id)).toMatchObject({ state: "failed", error, finishedAt: T0 + 3, credits: { price: 2, held: 40, spent: 0 } });
      expect(await payouts(j.id)).toEqual([]);
      expect((await t.store.pendingSettlements(1000)).filter((s) => s.jobId === j.id).map((s) => [s.kind, s.amount])).toEqual([["refund", 40]]);
      expect((await t.store.reputations(["n1"])).n1).toMatchObject({ agreed: 0, disagreed: 0, streak: 0 });
    });

    test("a quorum of 2 out of 3 is accepted with two agreeing results; the lease still out goes stale", async () => {
      const j = await t.newJob({ replicas: 3, quorum: 2, ...priced }, 2);
      const leases = [];
      for (const n of ["n1", "n2", "n3"]) leases.push((await leaseOne(n))!);
      expect(leases.map((l) => l.index)).toEqual([0, 0, 0]);
      expect((await t.store.completeChunk(holderOf(leases[0]!, "n1"), "[7]", T0)).outcome).toBe("pending");
      expect((await t.store.completeChunk(holderOf(leases[1]!, "n2"), "[7]", T0)).outcome).toBe("accepted");
      expect((await t.store.completeChunk(holderOf(leases[2]!, "n3"), "[7]", T0)).outcome).toBe("stale");
      expect((await t.job(j.id)).chunks).toEqual({ total: 2, done: 1, running: 0, failed: 0 });
      expect(await payouts(j.id)).toEqual([`payout:${j.id}:0:n1`, `payout:${j.id}:0:n2`]);
      expect((await t.store.requeueExpired(T0 + 1_000_000, 10)).requeued).toBe(0);
    });

    test("a failed or expired replica is replaced at the front; maxAttempts counts failures, not replicas", async () => {
      const j = await t.newJob({ replicas: 2, quorum: 2, maxAttempts: 2 }, 2);
      const a = (await leaseOne("n1"))!;
      const b = (await leaseOne("n2"))!;
      const failed = await t.store.failChunk(holderOf(a, "n1"), { message: "flaky" }, T0);
      expect(failed.events.map((e) => e.event)).toEqual([
        { id: 6, type: "progress", state: "running", chunks: { total: 2, done: 0, running: 1, failed: 1 }, sealed: false },
      ]);
      const again = (await t.store.leaseChunks("n1", 1, T0 + 10)).leases[0]!;
      expect([again.index, again.attempt]).toEqual([0, 3]);
      expect((await t.store.requeueExpired(b.expiresAt, 10)).requeued).toBe(1);
      expect((await t.job(j.id)).state).toBe("failed");
      expect((await t.job(j.id)).error).toBe("chunk 0 failed 2 times: lease expired on node n2");
    });

    test("a node that leaves hands back its replicas only", async () => {
      const j = await t.newJob({ replicas: 2, quorum: 2 }, 1);
      const a = (await leaseOne("n1"))!;
      const b = (await leaseOne("n2"))!;
      expect((await t.store.releaseNode("n1", T0)).requeued).toBe(1);
      expect((await t.store.completeChunk(holderOf(a, "n1"), "[1]", T0)).outcome).toBe("stale");
      expect((await t.store.completeChunk(holderOf(b, "n2"), "[1]", T0)).outcome).toBe("pending");
      const back = (await leaseOne("n3"))!;
      expect([back.index, back.attempt]).toEqual([0, 2]);
      expect((await t.store.completeChunk(holderOf(back, "n3"), "[1]", T0)).outcome).toBe("accepted");
      expect((await t.job(j.id)).chunks).toEqual({ total: 1, done: 1, running: 0, failed: 1 });
    });

    test("the reduce chunk is replicated too, and the hash, not the text, decides agreement", async () => {
      const j = await t.newJob({ replicas: 2, quorum: 2, hasReduce: true }, 0, true);
      const a = (await leaseOne("n1"))!;
      const b = (await leaseOne("n2"))!;
      expect([a.task, b.task]).toEqual(["reduce", "reduce"]);
      expect((await t.store.completeChunk(holderOf(a, "n1"), '{"a":1,"b":2}', T0, "same")).outcome).toBe("pending");
      expect((await t.store.completeChunk(holderOf(b, "n2"), '{"b":2,"a":1}', T0, "same")).outcome).toBe("accepted");
      expect(JSON.parse((await t.store.readReduceResult(j.id))!)).toEqual({ a: 1, b: 2 });
      expect((await t.job(j.id)).state).toBe("done");
    });

    test("a failed reduce quorum names the reduce", async () => {
      const j = await t.newJob({ replicas: 3, quorum: 3, hasReduce: true }, 0, true);
      const outcomes: string[] = [];
      for (let i = 0; i < 6; i++) {
        const lease = (await leaseOne(`m${i}`))!;
        outcomes.push((await t.store.completeChunk(holderOf(lease, `m${i}`), String(i % 3), T0)).outcome);
      }
      expect(outcomes).toEqual(["pending", "pending", "pending", "pending", "pending", "rejected"]);
      expect((await t.job(j.id)).error).toBe("reduce: replicas disagreed: 6 results, 3 different, at most 2 alike; a quorum of 3 is out of reach within 6 results");
    });
  });
}
