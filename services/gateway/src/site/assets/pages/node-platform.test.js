// The Nodes page's guess of the visitor's platform; plain JS, run by bun test.
import { describe, expect, test } from "bun:test";
import { platformOrder } from "./node-platform.js";

const ALL = ["linux-x64", "linux-arm64", "darwin-x64", "darwin-arm64", "windows-x64"];

describe("platformOrder", () => {
  test("puts the visitor's platform first and keeps every other", () => {
    const first = (env) => platformOrder(ALL, env)[0];
    expect(first({ userAgent: "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/120" })).toBe("windows-x64");
    expect(first({ userAgent: "Mozilla/5.0 (X11; Linux x86_64) Chrome/120" })).toBe("linux-x64");
    expect(first({ userAgent: "Mozilla/5.0 (X11; Linux aarch64) Firefox/120" })).toBe("linux-arm64");
    expect(first({ userAgent: "Mozilla/5.0 (X11; Linux x86_64)", platform: "Linux", arch: "arm" })).toBe("linux-arm64");
    expect(first({ userAgent: "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) Safari/605" })).toBe("darwin-arm64");
    expect(first({ userAgent: "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7)", arch: "x86" })).toBe("darwin-x64");
    for (const env of [{ userAgent: "Mozilla/5.0 (Windows NT 10.0)" }, { userAgent: "" }]) expect(platformOrder(ALL, env).sort()).toEqual([...ALL].sort());
  });

  test("a phone or an unknown system gets no guess, only the list", () => {
    expect(platformOrder(ALL, { userAgent: "Mozilla/5.0 (Linux; Android 14; Pixel 8)" })).toEqual(ALL);
    expect(platformOrder(ALL, { userAgent: "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)" })).toEqual(ALL);
    expect(platformOrder(["linux-x64"], { userAgent: "Windows NT" })).toEqual(["linux-x64"]);
  });
});
