import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { systemIdle, ttyIdle, x11Idle } from "./idle.ts";

const dev = mkdtempSync(join(tmpdir(), "medusa-dev-"));
afterAll(() => rmSync(dev, { recursive: true, force: true }));

/** A file whose access time is `agoMs` before `now`. */
function touched(path: string, now: number, agoMs: number) {
  writeFileSync(path, "");
  const t = (now - agoMs) / 1000;
  utimesSync(path, t, t);
}

describe("ttyIdle", () => {
  test("idle time is since the most recently used console or pseudo-terminal; other files are ignored", async () => {
    const now = Date.now();
    mkdirSync(join(dev, "pts"));
    touched(join(dev, "tty1"), now, 3_600_000);
    touched(join(dev, "tty2"), now, 7_200_000);
    touched(join(dev, "pts", "0"), now, 600_000);
    touched(join(dev, "pts", "ptmx"), now, 0);
    touched(join(dev, "ttyS0"), now, 0);
    touched(join(dev, "null"), now, 0);
    const idle = await ttyIdle(dev, () => now).idleMs();
    expect(idle).toBeGreaterThanOrEqual(600_000 - 1000);
    expect(idle).toBeLessThanOrEqual(600_000 + 1000);
    // Someone types in a terminal: idle drops to ~0.
    touched(join(dev, "pts", "0"), now, 0);
    expect(await ttyIdle(dev, () => now).idleMs()).toBeLessThan(1000);
  });

  test("cannot tell without a device folder or any tty", async () => {
    expect(await ttyIdle(join(dev, "missing")).idleMs()).toBeNull();
    const empty = mkdtempSync(join(dev, "empty-"));
    expect(await ttyIdle(empty).idleMs()).toBeNull();
  });
});

describe("x11Idle and systemIdle", () => {
  test("no X11 source without a display", () => {
    expect(x11Idle({})).toBeNull();
    expect(["terminals", "X11"].some((w) => systemIdle().name.includes(w))).toBe(true);
  });
});
