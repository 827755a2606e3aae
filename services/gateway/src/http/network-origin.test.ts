import { expect, test } from "bun:test";
import { networkOrigin } from "./network-origin.ts";

test("an address's network: the /24 of IPv4 (mapped ones too), the /64 of IPv6 however it is written", () => {
  expect(networkOrigin("203.0.113.77")).toBe("203.0.113.0/24");
  expect(networkOrigin("::ffff:203.0.113.9")).toBe("203.0.113.0/24");
  expect(networkOrigin("2001:db8:1:2:aaaa:bbbb:cccc:dddd")).toBe("2001:db8:1:2::/64");
  expect(networkOrigin("2001:0db8:0001:0002::1")).toBe("2001:db8:1:2::/64");
  expect(networkOrigin("2001:db8::1")).toBe("2001:db8:0:0::/64");
  expect(networkOrigin("::1")).toBe("0:0:0:0::/64");
  expect(networkOrigin("unknown")).toBe("unknown");
});
