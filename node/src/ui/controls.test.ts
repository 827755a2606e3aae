import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { NodeAgent } from "../agent/agent.ts";
import { HeldPool, wanted } from "../../test/held-pool.ts";
import { TestGateway } from "@medusa/testing/node-gateway";
import { NodeControls } from "./controls.ts";
import type { IdleSource } from "./idle.ts";
import { InvalidSetting, NodeSettings, SettingsFile } from "./settings.ts";

/** The controls drive a real agent over a real socket; only the idle clock is the test's. */
class SetIdle implements IdleSource {
  readonly name = "test idle";
  ms: number | null = 0;
  async idleMs() {
    return this.ms;
  }
}

let gateway: TestGateway;
let agent: NodeAgent;
let controls: NodeControls | undefined;
let dir: string;

async function setUp(saved: Partial<NodeSettings> = {}, idle = new SetIdle()) {
  dir = mkdtempSync(join(tmpdir(), "medusa-controls-"));
  gateway = new TestGateway();
  const file = new SettingsFile(join(dir, "settings.json"));
  agent = new NodeAgent({ url: gateway.url, token: gateway.token, slots: 1, pool: new HeldPool(), version: "t", paused: true, log: () => {} }).start();
  controls = await new NodeControls({ agent, file, settings: NodeSettings.parse(saved), defaultSlots: 2, maxSlots: 4, idle, checkEveryMs: 20 }).start();
  const conn = await gateway.until("connected", () => agent.status().connected && gateway.conns[0]);
  return { file, idle, conn, controls };
}

afterEach(async () => {
  controls?.stop();
  await agent?.stop({ graceMs: 0 });
  gateway?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("NodeControls", () => {
  test("applies the saved settings at start: default slots, running", async () => {
    const { conn, controls } = await setUp();
    await gateway.until("asks for 2 × 2", () => wanted(conn) === 4);
    expect(controls.status()).toMatchObject({ activity: "running", slots: { current: 2, max: 4 }, connected: true, gateway: gateway.httpUrl });
  });

  test("pause and slot changes are saved first, then applied live; a new controls object reads them back", async () => {
    const { file, controls } = await setUp();
    const paused = await controls.update({ paused: true, slots: 3 });
    expect(paused).toMatchObject({ activity: "paused", settings: { paused: true, slots: 3 }, slots: { current: 3 } });
    expect(agent.status()).toMatchObject({ paused: true, slots: 3 });
    expect((await file.load()).settings).toEqual({ v: 1, paused: true, slots: 3, idleMinutes: 0 });
    const resumed = await controls.update({ paused: false });
    expect(resumed.activity).toBe("running");
    expect(agent.status().paused).toBe(false);
    expect((await file.load()).settings.paused).toBe(false);
  });

  test("refuses bad changes, naming the setting, and changes nothing", async () => {
    const { file, controls } = await setUp();
    const bad = async (patch: unknown) => (await controls.update(patch).catch((e) => e)) as InvalidSetting;
    expect((await bad({ slots: 5 })).field).toBe("slots");
    expect((await bad({ slots: 5 })).message).toContain("at most 4");
    expect((await bad({ slots: 0 })).field).toBe("slots");
    expect((await bad({ idleMinutes: 2.5 })).field).toBe("idleMinutes");
    expect((await bad({ paused: "yes" })).field).toBe("paused");
    expect((await bad({ cpu: 1 })).message).toContain("unknown setting cpu");
    expect(await bad([1])).toBeInstanceOf(InvalidSetting);
    expect((await file.load()).settings).toEqual({ v: 1, paused: false, idleMinutes: 0 });
    expect(agent.status().paused).toBe(false);
  });

  test("run only when idle: waits while the computer is in use, runs once idle long enough, stops when the person is back", async () => {
    const idle = new SetIdle();
    idle.ms = 60_000;
    const { conn, controls } = await setUp({ idleMinutes: 5 }, idle);
    expect(controls.status()).toMatchObject({ activity: "waiting-for-idle", idle: { source: "test idle", idleMs: 60_000 } });
    expect(agent.status().paused).toBe(true);
    idle.ms = 5 * 60_000;
    await gateway.until("runs after 5 idle minutes", () => wanted(conn) === 4);
    expect(controls.status().activity).toBe("running");
    idle.ms = 1_000;
    await gateway.until("paused again", () => agent.status().paused);
    expect(controls.status().activity).toBe("waiting-for-idle");
    // Unknown idle time is treated as "in use".
    idle.ms = null;
    await controls.tick();
    expect(controls.status().activity).toBe("waiting-for-idle");
    await controls.update({ idleMinutes: 0 });
    expect(agent.status().paused).toBe(false);
  });
});
