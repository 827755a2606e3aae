import type { Context } from "hono";
import { getConnInfo } from "hono/bun";

/** The TCP peer's address, or "unknown" where there is none (app.request in tests). */
export function peerAddress(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? "unknown";
  } catch {
    return "unknown";
  }
}

/**
 * The network an address belongs to, as one operator usually holds it: the
 * /24 of an IPv4 address, the /64 of an IPv6 one. Replicas of one chunk go to
 * nodes of distinct networks, so one person's machines behind one router, or
 * on one rented subnet, never make a quorum alone.
 */
export function networkOrigin(address: string): string {
  const v4 = /^(?:::ffff:)?(\d+)\.(\d+)\.(\d+)\.\d+$/i.exec(address);
  if (v4) return `${v4[1]}.${v4[2]}.${v4[3]}.0/24`;
  if (!address.includes(":")) return address;
  const [head = "", tail = ""] = address.toLowerCase().split("::");
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  const groups = address.includes("::") ? [...left, ...Array(8 - left.length - right.length).fill("0"), ...right] : left;
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, "")).join(":")}::/64`;
}
