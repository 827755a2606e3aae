import { expect, test } from "bun:test";
import { creditsEnv } from "./env.ts";

test("defaults: 1000 starter credits, 7-day logins, no servers", () => {
  const env = creditsEnv({});
  expect(env.MEDUSA_STARTER_CREDITS).toBe(1000);
  expect(env.MEDUSA_LOGIN_TTL_MS).toBe(7 * 24 * 60 * 60 * 1000);
  expect(env.MEDUSA_NATS_URL).toBeUndefined();
  expect(env.MEDUSA_MONGO_URL).toBeUndefined();
});

test("values are read from the environment", () => {
  const env = creditsEnv({ MEDUSA_STARTER_CREDITS: "50", MEDUSA_LOGIN_TTL_MS: "3600000", MEDUSA_NATS_URL: "nats://nats:4222" });
  expect(env).toMatchObject({ MEDUSA_STARTER_CREDITS: 50, MEDUSA_LOGIN_TTL_MS: 3_600_000, MEDUSA_NATS_URL: "nats://nats:4222" });
});

test("a bad value stops start-up naming the variable", () => {
  expect(() => creditsEnv({ MEDUSA_STARTER_CREDITS: "lots" })).toThrow(/MEDUSA_STARTER_CREDITS/);
  expect(() => creditsEnv({ MEDUSA_STARTER_CREDITS: "-5" })).toThrow(/MEDUSA_STARTER_CREDITS/);
  expect(() => creditsEnv({ MEDUSA_LOGIN_TTL_MS: "10" })).toThrow(/MEDUSA_LOGIN_TTL_MS/);
});
