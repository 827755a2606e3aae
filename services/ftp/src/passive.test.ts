import { expect, test } from "bun:test";
import { advertisedAddress } from "./passive.ts";

test("PASV names the loopback address to local clients, else the configured one, else the address reached", async () => {
  expect(await advertisedAddress("127.0.0.1", "127.0.0.1", "203.0.113.7")).toBe("127.0.0.1");
  expect(await advertisedAddress("::1", "::1", undefined)).toBe("127.0.0.1");
  expect(await advertisedAddress("198.51.100.2", "::ffff:10.0.0.5", "203.0.113.7")).toBe("203.0.113.7");
  expect(await advertisedAddress("198.51.100.2", "::ffff:10.0.0.5", undefined)).toBe("10.0.0.5");
  // A name is resolved, since PASV carries only numbers.
  expect(await advertisedAddress("198.51.100.2", "10.0.0.5", "localhost")).toBe("127.0.0.1");
});
