import { afterEach, describe, expect, test } from "bun:test";
import { connect, type NatsConnection } from "nats";
import type { Settlement } from "@medusa/core";
import { natsAvailable, testPrefix, TEST_NATS_URL } from "@medusa/testing/servers";
import { DirectSettlements } from "./direct-settlements.ts";
import { JetStreamSettlements } from "./jetstream-settlements.ts";

const payout = (n: number): Settlement => ({ v: 1, kind: "payout", key: `payout:j:${n}:n1`, jobId: "j", nodeId: "n1", amount: 1 });

describe("DirectSettlements", () => {
  test("publishing resolves once the consumer applied the batch, and rejects with no consumer or a failing one", async () => {
    const q = new DirectSettlements();
    await expect(q.publish([payout(1)])).rejects.toThrow("no credits service is taking settlements yet");
    const seen: string[] = [];
    let fail = true;
    const consumer = q.consume(async (batch) => {
      if (fail) throw new Error("ledger down");
      seen.push(...batch.map((s) => s.key));
    });
    await expect(q.publish([payout(1)])).rejects.toThrow("ledger down");
    fail = false;
    await q.publish([payout(1), payout(2)]);
    expect(seen).toEqual(["payout:j:1:n1", "payout:j:2:n1"]);
    await consumer.stop();
    await expect(q.publish([payout(3)])).rejects.toThrow();
  });
});

describe.skipIf(!(await natsAvailable()))("JetStreamSettlements", () => {
  let nc: NatsConnection;
  let q: JetStreamSettlements;
  afterEach(async () => {
    await q.destroy();
    await nc.close();
  });

  test("delivers what was published before anyone consumed, and redelivers a failed batch (at least once: the ledger's keys absorb repeats)", async () => {
    nc = await connect({ servers: TEST_NATS_URL });
    const prefix = testPrefix("st");
    q = await JetStreamSettlements.open(nc, { prefix, ackWaitMs: 1000 });
    await q.publish([payout(1), payout(2)]);
    await q.publish([payout(2)]);
    const seen: string[] = [];
    let attempts = 0;
    const consumer = q.consume(async (batch) => {
      attempts++;
      if (attempts === 1) throw new Error("ledger down");
      seen.push(...batch.map((s) => s.key));
    });
    const end = Date.now() + 10_000;
    while (new Set(seen).size < 2 && Date.now() < end) await Bun.sleep(50);
    await consumer.stop();
    expect([...new Set(seen)].sort()).toEqual(["payout:j:1:n1", "payout:j:2:n1"]);
    expect(attempts).toBeGreaterThanOrEqual(2);
  }, 20_000);

  test("a malformed message is dropped, and the rest still settle", async () => {
    nc = await connect({ servers: TEST_NATS_URL });
    const prefix = testPrefix("st");
    q = await JetStreamSettlements.open(nc, { prefix });
    await nc.jetstream().publish(`${prefix}.credits.settle`, new TextEncoder().encode("{not json"));
    await q.publish([payout(7)]);
    const seen: string[] = [];
    const consumer = q.consume(async (batch) => void seen.push(...batch.map((s) => s.key)));
    const end = Date.now() + 10_000;
    while (seen.length < 1 && Date.now() < end) await Bun.sleep(50);
    await consumer.stop();
    expect(seen).toEqual(["payout:j:7:n1"]);
  }, 20_000);
});
