import { expect, test } from "bun:test";
import { canonicalJson, canonicalResult } from "./canonical-json.ts";

test("key order and whitespace do not change the text; values do", () => {
  const a = canonicalResult('{"b": [1, 2.50, {"y": null, "x": "é"}], "a": true}');
  const b = canonicalResult('{"a":true,"b":[1,2.5,{"x":"\\u00e9","y":null}]}');
  expect(a).toEqual(b);
  expect(a.text).toBe('{"a":true,"b":[1,2.5,{"x":"é","y":null}]}');
  expect(a.hash).toMatch(/^[0-9a-f]{64}$/);
  expect(canonicalResult("[1,2]").hash).not.toBe(canonicalResult("[2,1]").hash);
  expect(canonicalResult("[1]").hash).not.toBe(canonicalResult('["1"]').hash);
});

test("numbers read back exactly: 1e21, -0 and 0.1+0.2 keep their JSON.stringify form", () => {
  expect(canonicalJson([1e21, -0, 0.1 + 0.2, 1e-7])).toBe("[1e+21,0,0.30000000000000004,1e-7]");
  expect(canonicalResult("1.0").text).toBe("1");
});

test("text that is not JSON throws", () => {
  expect(() => canonicalResult("{nope")).toThrow();
  expect(() => canonicalJson(undefined)).toThrow(TypeError);
});
