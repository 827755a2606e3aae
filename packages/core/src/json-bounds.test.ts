import { expect, test } from "bun:test";
import fc from "fast-check";
import { canonicalResult } from "./canonical-json.ts";
import { MedusaError } from "./errors.ts";
import { MAX_JSON_DEPTH, textNestsDeeper, tooDeepMessage, valueNestsDeeper } from "./json-bounds.ts";
import { limits } from "./limits.ts";

const nested = (depth: number, open = "[", close = "]") => open.repeat(depth) + close.repeat(depth);

test("the limit is 64 levels, counted the same on text and on the parsed value", () => {
  expect(MAX_JSON_DEPTH).toBe(64);
  expect(textNestsDeeper(nested(64))).toBe(false);
  expect(textNestsDeeper(nested(65))).toBe(true);
  expect(valueNestsDeeper(JSON.parse(nested(64)))).toBe(false);
  expect(valueNestsDeeper(JSON.parse(nested(65)))).toBe(true);
  const objects = '{"a":'.repeat(65) + "1" + "}".repeat(65);
  expect(textNestsDeeper(objects)).toBe(true);
  expect(valueNestsDeeper(JSON.parse(objects))).toBe(true);
  expect(valueNestsDeeper(42)).toBe(false);
  expect(valueNestsDeeper(null)).toBe(false);
});

test("brackets inside strings, escaped quotes included, are not nesting", () => {
  const text = JSON.stringify(["[".repeat(100), '\\"[[[', { k: "{{{{" }]);
  expect(textNestsDeeper(text, 2)).toBe(false);
  expect(textNestsDeeper(text, 1)).toBe(true);
});

test("100,000 and 1,000,000 levels are measured without overflowing the stack", () => {
  expect(textNestsDeeper(nested(1_000_000))).toBe(true);
  for (const depth of [100_000]) {
    const text = nested(depth);
    expect(textNestsDeeper(text)).toBe(true);
    // JSON.parse is iterative in the engine; JSON.stringify of this value would throw RangeError.
    const value = JSON.parse(text);
    expect(valueNestsDeeper(value)).toBe(true);
    expect(() => JSON.stringify(value)).toThrow(RangeError);
  }
});

test("the text and the value check agree on any JSON value", () => {
  fc.assert(
    fc.property(fc.jsonValue({ depthSize: "large", maxDepth: 12 }), fc.integer({ min: 0, max: 12 }), (value, max) => {
      const text = JSON.stringify(value);
      expect(textNestsDeeper(text, max)).toBe(valueNestsDeeper(value, max));
    }),
    { numRuns: 300 },
  );
});

test("canonicalResult refuses a too-deep or too-large result with the limit named, before any recursion", () => {
  const deep = (() => {
    try {
      canonicalResult(nested(100_000));
    } catch (err) {
      return err;
    }
  })();
  expect(deep).toBeInstanceOf(MedusaError);
  expect((deep as MedusaError).message).toBe(tooDeepMessage("result"));
  expect((deep as MedusaError).message).toBe("result nests deeper than 64 levels");
  const big = `"${"x".repeat(limits.resultBytes)}"`;
  expect(() => canonicalResult(big)).toThrow("over the limit of 16 MiB");
  expect(canonicalResult(`"${"x".repeat(limits.resultBytes - 2)}"`).text.length).toBe(limits.resultBytes);
  expect(canonicalResult(nested(64)).text).toBe(nested(64));
});
