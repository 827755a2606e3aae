import { expect, test } from "bun:test";
import { limits, NODE_PROTOCOL_VERSION } from "@medusa/core";
import { encodeNodeMessage } from "./outbound.ts";

const v = NODE_PROTOCOL_VERSION as typeof NODE_PROTOCOL_VERSION;
const ref = { jobId: "j1", index: 3, token: "t" };
const deep = (n: number) => JSON.parse("[".repeat(n) + "]".repeat(n));

test("a result within the limits goes out as itself", () => {
  const msg = { v, type: "result" as const, ...ref, results: deep(64) };
  expect(encodeNodeMessage(msg)).toEqual({ text: JSON.stringify(msg) });
});

test("a 100,000-deep result goes out as the chunk's error naming the depth limit, never as a RangeError", () => {
  const { text, refused } = encodeNodeMessage({ v, type: "result", ...ref, results: deep(100_000) });
  expect(refused).toBe("result nests deeper than 64 levels");
  expect(JSON.parse(text!)).toEqual({ v, type: "error", ...ref, error: { message: "result nests deeper than 64 levels" } });
});

test("a result over the size limit goes out as the chunk's error naming it; one at the limit goes out whole", () => {
  const over = encodeNodeMessage({ v, type: "result", ...ref, results: "x".repeat(limits.resultBytes) });
  expect(over.refused).toBe(`result is 16.0 MiB (${limits.resultBytes + 2} bytes), over the limit of 16 MiB`);
  expect(JSON.parse(over.text!).type).toBe("error");
  const at = encodeNodeMessage({ v, type: "result", ...ref, results: "x".repeat(limits.resultBytes - 2) });
  expect(at.refused).toBeUndefined();
  expect(JSON.parse(at.text!).results.length).toBe(limits.resultBytes - 2);
});

test("deep session partials become the round's session_error", () => {
  const { text } = encodeNodeMessage({ v, type: "session_partials", sessionId: "s1", round: 2, partials: [{ partition: 0, value: deep(1000) }] });
  expect(JSON.parse(text!)).toEqual({ v, type: "session_error", sessionId: "s1", round: 2, message: "result nests deeper than 64 levels" });
});
