import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaultSettingsPath, SettingsFile } from "./settings.ts";

const dir = mkdtempSync(join(tmpdir(), "medusa-settings-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("SettingsFile", () => {
  test("no file: defaults, no complaint; saved settings come back, in a new folder, private to the user", async () => {
    const file = new SettingsFile(join(dir, "a", "b", "settings.json"));
    expect(await file.load()).toEqual({ settings: { v: 1, paused: false, idleMinutes: 0 } });
    await file.save({ v: 1, paused: true, slots: 3, idleMinutes: 5 });
    expect(await new SettingsFile(file.path).load()).toEqual({ settings: { v: 1, paused: true, slots: 3, idleMinutes: 5 } });
    expect(statSync(file.path).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file.path, "utf8")).paused).toBe(true);
  });

  test("a broken or wrong file gives defaults and says why", async () => {
    const broken = join(dir, "broken.json");
    writeFileSync(broken, "{paused: yes");
    const a = await new SettingsFile(broken).load();
    expect(a.settings.paused).toBe(false);
    expect(a.problem).toContain("is not JSON");
    writeFileSync(broken, JSON.stringify({ paused: "yes" }));
    expect((await new SettingsFile(broken).load()).problem).toContain("paused");
    writeFileSync(broken, JSON.stringify({ idleMinutes: -1 }));
    expect((await new SettingsFile(broken).load()).problem).toContain("idleMinutes");
  });

  test("the default path follows XDG_CONFIG_HOME", () => {
    expect(defaultSettingsPath({ XDG_CONFIG_HOME: "/cfg" })).toBe("/cfg/medusa-node/settings.json");
    expect(defaultSettingsPath({})).toEndWith("/.config/medusa-node/settings.json");
  });
});
