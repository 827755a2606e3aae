import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Subprocess } from "bun";
import { ApiError, MedusaClient } from "@medusa/client";
import { stackEnv } from "./env.ts";
import { startStack, type Stack } from "./stack.ts";

/**
 * Sessions through the public API of the embedded stack, with two volunteer
 * node processes (real runners); one is SIGKILLed in the middle of a round.
 */
const root = resolve(import.meta.dir, "../../..");
let dir: string;
let stack: Stack;
let consumer: MedusaClient;
let volunteer: MedusaClient;
const nodes = new Map<string, Subprocess>();

const PROGRAM = `
def setup(items):
    return list(items)

def step(state, params):
    if params.get("spin"):
        x = 0
        for i in range(params["spin"]):
            x += i
    return sum(state) * params["k"]
`;

async function startNode(name: string): Promise<string> {
  const { nodeToken, nodeId } = (await (await volunteer.request("POST", "/v1/nodes", { name })).json()) as { nodeToken: string; nodeId: string };
  const proc = Bun.spawn([process.execPath, "node/src/main.ts", "--token", nodeToken, "--slots", "1", "--no-ui"], {
    cwd: root,
    env: { ...process.env, MEDUSA_GATEWAY: stack.url },
    stdout: "ignore",
    stderr: "ignore",
  });
  nodes.set(nodeId, proc);
  return nodeId;
}

async function online(n: number) {
  for (let i = 0; i < 300; i++) {
    const { nodes: list } = (await (await volunteer.request("GET", "/v1/nodes")).json()) as { nodes: Array<{ state: string }> };
    if (list.filter((x) => x.state === "online").length >= n) return;
    await Bun.sleep(100);
  }
  throw new Error(`${n} nodes never came online`);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "medusa-sessions-"));
  stack = await startStack(stackEnv({ MEDUSA_DATA_DIR: dir, MEDUSA_PORT: "0", MEDUSA_LOCAL_NODES: "0" }), () => {});
  const anon = new MedusaClient(stack.url);
  consumer = anon.withKey((await anon.signUp("ada@example.com", "ada-password")).apiKey);
  volunteer = anon.withKey((await anon.signUp("vol@example.com", "vol-password")).apiKey);
  await startNode("one");
  await startNode("two");
  await online(2);
}, 90_000);

afterAll(async () => {
  for (const p of nodes.values()) p.kill("SIGKILL");
  await Promise.all([...nodes.values()].map((p) => p.exited));
  await stack?.close();
  rmSync(dir, { recursive: true, force: true });
});

const parts = [
  [0, 1, 2, 3, 4],
  [5, 6, 7, 8, 9],
  [10, 11, 12, 13, 14],
  [15, 16, 17, 18, 19],
];
const expected = (k: number) => parts.map((p) => p.reduce((a, b) => a + b, 0) * k);

describe("sessions end to end", () => {
  test("rounds return every partition's step in order; streaming, bad frames and the bill", async () => {
    const status = await consumer.createSession({ program: { runtime: "python", source: PROGRAM }, input: { range: { start: 0, stop: 20 } }, partitions: 4, maxCredits: 100 });
    expect(status).toMatchObject({ state: "starting", partitions: 4, rounds: 0, credits: { held: 100, spent: 0 } });
    const s = consumer.openSession(status.id);
    await s.ready();
    expect((await s.round({ k: 1 })).partials).toEqual(expected(1));
    const streamed = await s.round({ k: 3 }, { stream: true });
    expect(streamed.partials).toEqual(expected(3));
    expect(s.events.filter((e) => e.type === "partial" && e.round === 2).map((e: any) => e.partition).sort()).toEqual([0, 1, 2, 3]);

    s.send("{not json");
    s.send({ round: 9, params: {} });
    s.send({ round: "x" });
    await Bun.sleep(200);
    const errors = s.events.filter((e) => e.type === "error").map((e: any) => e.message);
    expect(errors.slice(0, 2)).toEqual(["frame is not valid JSON", "the next round is 3, not 9"]);
    expect(errors[2]).toStartWith("round: Invalid input: expected number, received string");
    expect((await s.round({ k: 2 })).partials).toEqual(expected(2));

    expect(await consumer.session(status.id)).toMatchObject({ state: "ready", rounds: 3, credits: { held: 88, spent: 12 } });
    expect(await consumer.endSession(status.id)).toMatchObject({ state: "ended", credits: { held: 0, spent: 12 } });
    for (let i = 0; i < 100 && (await consumer.me()).credits.held > 0; i++) await Bun.sleep(50);
    expect((await consumer.me()).credits).toEqual({ available: 1_000_000 - 12, held: 0 });
    s.close();
  }, 60_000);

  test("rounds over plain HTTP: the first waits for setup, each answers in partition order, a wrong round is 409", async () => {
    const status = await consumer.createSession({ program: { runtime: "python", source: PROGRAM }, input: { range: { start: 0, stop: 20 } }, partitions: 4 });
    const round = (body: unknown) => consumer.request("POST", `/v1/sessions/${status.id}/rounds`, body).catch((e: unknown) => e as ApiError);
    // Sent at once, before the nodes have set up: answered once they have.
    expect(await ((await round({ round: 1, params: { k: 1 } })) as Response).json()).toEqual({ round: 1, partials: expected(1), ms: expect.any(Number) });
    expect(await ((await round({ round: 2, params: { k: 4 } })) as Response).json()).toMatchObject({ round: 2, partials: expected(4) });
    const wrong = (await round({ round: 7, params: {} })) as ApiError;
    expect([wrong.status, wrong.message]).toEqual([409, "409 conflict: the next round is 3, not 7"]);
    const bad = (await round({ params: {} })) as ApiError;
    expect(bad.status).toBe(400);
    expect(bad.message).toStartWith("400 invalid_field: round: ");
    await consumer.endSession(status.id);
    const ended = (await round({ round: 3, params: { k: 1 } })) as ApiError;
    expect([ended.status, ended.message]).toEqual([409, "409 conflict: the session has ended"]);
  }, 60_000);

  test("a node killed mid-round: its partitions move, the client sees replaced, and the round is answered once", async () => {
    const status = await consumer.createSession({ program: { runtime: "python", source: PROGRAM }, input: { range: { start: 0, stop: 20 } }, partitions: 4 });
    const s = consumer.openSession(status.id);
    await s.ready();
    expect((await s.round({ k: 1 })).partials).toEqual(expected(1));
    const slow = s.round({ k: 5, spin: 3_000_000 });
    await Bun.sleep(150);
    const [victimId, victim] = [...nodes.entries()][0]!;
    victim.kill("SIGKILL");
    nodes.delete(victimId);
    const answered = await slow;
    expect(answered.partials).toEqual(expected(5));
    const replaced = s.events.filter((e) => e.type === "replaced");
    expect(replaced.length).toBeGreaterThan(0);
    expect(replaced.every((e: any) => e.nodeId !== victimId)).toBe(true);
    expect(s.events.filter((e) => e.type === "round").map((e: any) => e.round)).toEqual([1, 2]);
    expect((await s.round({ k: 7 })).partials).toEqual(expected(7));
    await consumer.endSession(status.id);
    s.close();
  }, 60_000);

  test("bad sessions are refused with the field named; another account's session is 404", async () => {
    const noStep = await consumer.createSession({ program: { runtime: "python", source: "def setup(items):\n    return items\n" }, input: { items: [1] }, partitions: 1 }).catch((e: unknown) => e);
    expect((noStep as ApiError).message).toContain("program: a session program must define setup(items) and step(state, params)");
    const tooMany = await consumer.createSession({ program: { runtime: "python", source: PROGRAM }, input: { items: [1, 2] }, partitions: 3 }).catch((e: unknown) => e);
    expect((tooMany as ApiError).message).toContain("partitions: 3 partitions need at least as many items; the input has 2");
    const mine = await consumer.createSession({ program: { runtime: "python", source: PROGRAM }, input: { items: [1, 2] }, partitions: 1 });
    const stranger = await volunteer.session(mine.id).catch((e: unknown) => e);
    expect((stranger as ApiError).status).toBe(404);
    await consumer.endSession(mine.id);
  }, 30_000);
});
