import { describe, expect, test } from "bun:test";
import { foreignRequestReason } from "./local-guard.ts";

const req = (headers: Record<string, string>, method = "GET") => new Request("http://127.0.0.1:7077/api/status", { method, headers });

describe("foreignRequestReason", () => {
  test("serves the UI's own loopback names on its port, with or without a matching Origin", () => {
    for (const host of ["127.0.0.1:7077", "localhost:7077", "[::1]:7077", "LOCALHOST:7077"]) {
      expect(foreignRequestReason(req({ host }), 7077)).toBeNull();
      expect(foreignRequestReason(req({ host, origin: `http://${host.toLowerCase()}`, "sec-fetch-site": "same-origin" }, "PUT"), 7077)).toBeNull();
    }
    expect(foreignRequestReason(req({ host: "127.0.0.1:7077", "sec-fetch-site": "none" }), 7077)).toBeNull();
  });

  test("refuses a rebound DNS name, another port, or no Host at all", () => {
    expect(foreignRequestReason(req({ host: "evil.example:7077" }), 7077)).toContain("Host evil.example:7077");
    expect(foreignRequestReason(req({ host: "127.0.0.1.evil.example:7077" }), 7077)).toContain("is not this computer's local UI");
    expect(foreignRequestReason(req({ host: "127.0.0.1:8080" }), 7077)).toContain("Host 127.0.0.1:8080");
    expect(foreignRequestReason(req({ host: "127.0.0.1" }), 7077)).toContain("Host 127.0.0.1");
    expect(foreignRequestReason(new Request("http://x/", { headers: {} }), 7077)).not.toBeNull();
  });

  test("refuses a foreign Origin even on the right Host: another site, another local port, https, null", () => {
    const host = "127.0.0.1:7077";
    expect(foreignRequestReason(req({ host, origin: "http://evil.example" }, "PUT"), 7077)).toContain("Origin http://evil.example");
    expect(foreignRequestReason(req({ host, origin: "http://127.0.0.1:8080" }, "PUT"), 7077)).toContain("Origin http://127.0.0.1:8080");
    expect(foreignRequestReason(req({ host, origin: "https://127.0.0.1:7077" }, "PUT"), 7077)).toContain("Origin");
    expect(foreignRequestReason(req({ host, origin: "null" }, "PUT"), 7077)).toContain("Origin null");
  });

  test("believes Sec-Fetch-Site when a browser says the request crossed sites", () => {
    expect(foreignRequestReason(req({ host: "127.0.0.1:7077", "sec-fetch-site": "cross-site" }), 7077)).toContain("cross-site");
    expect(foreignRequestReason(req({ host: "127.0.0.1:7077", "sec-fetch-site": "same-site" }), 7077)).toContain("same-site");
  });
});
