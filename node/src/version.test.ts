import { describe, expect, test } from "bun:test";
import { isOlderVersion, NODE_VERSION } from "./version.ts";

describe("isOlderVersion", () => {
  test("orders by release, then by commits since it", () => {
    expect(isOlderVersion("0.1.0-140-gaaaaaaa", "0.1.0-142-gbbbbbbb")).toBe(true);
    expect(isOlderVersion("0.1.0-142-gbbbbbbb", "0.1.0-140-gaaaaaaa")).toBe(false);
    expect(isOlderVersion("0.1.0-900-gaaaaaaa", "0.2.0-1-gbbbbbbb")).toBe(true);
    expect(isOlderVersion("1.0.0-0-gaaaaaaa", "0.9.9-500-gbbbbbbb")).toBe(false);
    expect(isOlderVersion("0.1.0-142-gbbbbbbb-dirty", "0.1.0-142-gbbbbbbb")).toBe(false);
    expect(isOlderVersion("0.1.0-141-gbbbbbbb-dirty", "0.1.0-142-gccccccc")).toBe(true);
  });

  test("never calls a source run or an unknown build older", () => {
    expect(isOlderVersion("0.1.0-dev", "0.1.0-142-gbbbbbbb")).toBe(false);
    expect(isOlderVersion("0.1.0-unknown", "0.9.0-1-gbbbbbbb")).toBe(false);
    expect(isOlderVersion("0.1.0-1-gaaaaaaa", "something else")).toBe(false);
  });

  test("from source the node calls itself -dev", () => {
    expect(NODE_VERSION).toEndWith("-dev");
  });
});
