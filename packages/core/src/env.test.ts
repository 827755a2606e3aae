import { expect, test } from "bun:test";
import { z } from "zod";
import { bytesFrom, durationFrom, parseBytes, parseDuration, parseEnv } from "./env.ts";

test("durations: a number and a unit, or bare milliseconds", () => {
  expect(parseDuration("7d")).toBe(7 * 86_400_000);
  expect(parseDuration("12h")).toBe(12 * 3_600_000);
  expect(parseDuration("1.5h")).toBe(5_400_000);
  expect(parseDuration("30m")).toBe(1_800_000);
  expect(parseDuration("45s")).toBe(45_000);
  expect(parseDuration("500ms")).toBe(500);
  expect(parseDuration("2w")).toBe(14 * 86_400_000);
  expect(parseDuration("250")).toBe(250);
  for (const bad of ["", "d", "7 days", "-1d", "1y", "7d12h"]) expect(parseDuration(bad)).toBeNull();
});

test("sizes: binary and decimal units, or bare bytes", () => {
  expect(parseBytes("10GiB")).toBe(10 * 1024 ** 3);
  expect(parseBytes("10g")).toBe(10 * 1024 ** 3);
  expect(parseBytes("500MB")).toBe(500_000_000);
  expect(parseBytes("1.5KiB")).toBe(1536);
  expect(parseBytes("4096")).toBe(4096);
  for (const bad of ["", "GiB", "10 parsecs", "-5"]) expect(parseBytes(bad)).toBeNull();
});

test("a bad duration or size names the variable and what it should look like", () => {
  const Env = z.object({ MEDUSA_RETENTION: durationFrom("7d", 1000), MEDUSA_STORAGE_QUOTA: bytesFrom("10GiB") });
  expect(parseEnv(Env, {})).toEqual({ MEDUSA_RETENTION: 7 * 86_400_000, MEDUSA_STORAGE_QUOTA: 10 * 1024 ** 3 });
  expect(() => parseEnv(Env, { MEDUSA_RETENTION: "soon" })).toThrow('MEDUSA_RETENTION: "soon" is not a duration: use e.g. 7d, 12h, 30m, 45s or 500ms');
  expect(() => parseEnv(Env, { MEDUSA_RETENTION: "10ms" })).toThrow('MEDUSA_RETENTION: "10ms" is under the minimum of 1000 ms');
  expect(() => parseEnv(Env, { MEDUSA_STORAGE_QUOTA: "lots" })).toThrow("MEDUSA_STORAGE_QUOTA: \"lots\" is not a size");
});
