import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Scrape } from "@medusa/testing/prometheus";
import { until } from "@medusa/testing/until";
import { MedusaClient } from "@medusa/client";
import { stackEnv } from "./env.ts";
import { startStack, type Stack } from "./stack.ts";

/**
 * The embedded stack's /readyz waits for its local nodes: a client that
 * starts work as soon as it answers 200 finds a node to hold a session's
 * partition (after /healthz alone it could get "503 no node … is connected").
 * Its /metrics shows every service of the process in one registry.
 */
let dir: string;
let stack: Stack;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "medusa-stack-ready-"));
  stack = await startStack(stackEnv({ MEDUSA_DATA_DIR: dir, MEDUSA_PORT: "0", MEDUSA_LOCAL_NODES: "1", MEDUSA_NODE_SLOTS: "1" }), () => {});
}, 60_000);

afterAll(async () => {
  await stack?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("the embedded stack's operator view", () => {
  test("once /readyz is 200 its local node is connected: a session is placed at once", async () => {
    const anon = new MedusaClient(stack.url);
    const consumer = anon.withKey((await anon.signUp("ready@example.com", "ready-password")).apiKey);
    const seen: number[] = [];
    await until(async () => {
      const res = await fetch(`${stack.url}/readyz`);
      seen.push(res.status);
      if (res.status === 503) expect(((await res.json()) as { failing: string[] }).failing).toEqual(["nodes"]);
      return res.status === 200;
    }, 60_000, "the stack to be ready", { everyMs: 20 });
    expect(seen.every((s) => s === 200 || s === 503)).toBe(true);

    const status = await consumer.createSession({ program: { runtime: "python", source: "def setup(items):\n    return list(items)\n\ndef step(state, params):\n    return sum(state)\n" }, input: { range: { start: 0, stop: 4 } }, partitions: 1, maxCredits: 10 });
    expect(status.state).toBe("starting");

    const scrape = await Scrape.of(`${stack.url}/metrics`);
    expect(scrape.value("medusa_nodes_connected")).toBe(1);
    expect(scrape.series("medusa_nodes_connected")[0]!.service).toBe("stack");
    expect(scrape.value("medusa_chunk_store_up")).toBe(1);
    // Two accounts made over the in-process bus: the local operator's and this test's.
    expect(scrape.value("medusa_bus_request_duration_seconds", { subject: "credits.account.create", outcome: "ok" })).toBe(2);
  }, 120_000);
});
