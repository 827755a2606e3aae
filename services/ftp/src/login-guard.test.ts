import { expect, test } from "bun:test";
import { LoginGuard } from "./login-guard.ts";

const policy = { freeFailures: 2, maxDelayMs: 2000, lockoutAfter: 6, lockoutMs: 60_000, windowMs: 300_000 };

test("failures past the free ones are answered later and later, up to the cap", () => {
  const guard = new LoginGuard(policy);
  const delays = Array.from({ length: 5 }, () => guard.failed("1.2.3.4", 0).delayMs);
  expect(delays).toEqual([0, 0, 500, 1000, 2000]);
  // Another address has its own count.
  expect(guard.failed("5.6.7.8", 0)).toEqual({ failures: 1, delayMs: 0, lockedForMs: 0 });
});

test("at lockoutAfter the address is locked out for lockoutMs, then may try again", () => {
  const guard = new LoginGuard(policy);
  for (let i = 0; i < 5; i++) guard.failed("1.2.3.4", 1000);
  expect(guard.lockedFor("1.2.3.4", 1000)).toBe(0);
  expect(guard.failed("1.2.3.4", 1000).lockedForMs).toBe(60_000);
  expect(guard.lockedFor("1.2.3.4", 31_000)).toBe(30_000);
  expect(guard.lockedFor("9.9.9.9", 31_000)).toBe(0);
  expect(guard.lockedFor("1.2.3.4", 61_000)).toBe(0);
  // Still within the window, one more failure locks it again at once.
  expect(guard.failed("1.2.3.4", 62_000).lockedForMs).toBe(60_000);
});

test("failures older than the window are forgotten", () => {
  const guard = new LoginGuard(policy);
  for (let i = 0; i < 4; i++) guard.failed("1.2.3.4", 0);
  expect(guard.failed("1.2.3.4", 300_001)).toEqual({ failures: 1, delayMs: 0, lockedForMs: 0 });
});
