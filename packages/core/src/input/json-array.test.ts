import { describe, expect, test } from "bun:test";
import { JsonArrayScanner, readJsonArray } from "./json-array.ts";
import { collect, streamInPieces, streamOf } from "@medusa/testing/streams";

const elements = (stream: ReadableStream<Uint8Array>, max?: number) => collect(readJsonArray(stream, max));

describe("readJsonArray", () => {
  const tricky = [
    "a ] b",
    "c, d",
    'quote " and \\ backslash',
    { s: "]],,{{", nested: [1, [2, [3, "]"]], { "}": "{" }] },
    [],
    {},
    -1.5e3,
    true,
    null,
    "tab\tnewline\nunicode é 🎉 \u0001",
  ];
  const text = ` \n [ ${tricky.map((x) => JSON.stringify(x)).join(" ,\n ")} ] \n`;

  test("elements with ] , { and escapes inside strings, whatever the read size", async () => {
    for (const size of [1, 2, 3, 7, 13, 4096]) expect(await elements(streamInPieces(text, size))).toEqual(tricky);
  });

  test("an empty array has no elements", async () => {
    expect(await elements(streamOf("[]"))).toEqual([]);
    expect(await elements(streamOf(" [ \n ] "))).toEqual([]);
  });

  test("not an array", async () => {
    await expect(elements(streamOf('{"a": 1}'))).rejects.toThrow("offset 0: expected a JSON array, found '{'");
    await expect(elements(streamOf("  42"))).rejects.toThrow("offset 2: expected a JSON array");
    await expect(elements(streamOf(""))).rejects.toThrow("offset 0: expected a JSON array, found end of file");
  });

  test("truncated input says the array is not terminated", async () => {
    await expect(elements(streamOf('[1, 2, "thr'))).rejects.toThrow("offset 11: the array is not terminated");
    await expect(elements(streamOf("[1, 2,"))).rejects.toThrow("not terminated");
    await expect(elements(streamOf("["))).rejects.toThrow("not terminated");
  });

  test("a bad element names its offset", async () => {
    await expect(elements(streamOf("[1, tru, 3]"))).rejects.toThrow(/^offset 4: /);
    await expect(elements(streamOf("[1, , 3]"))).rejects.toThrow("offset 4: expected a value, found ','");
    await expect(elements(streamOf("[1, 2,]"))).rejects.toThrow("offset 6: expected a value, found ']'");
    await expect(elements(streamOf("[{]}]"))).rejects.toThrow("offset 2: unexpected ']'");
    await expect(elements(streamOf("[{\"a\": [1}, 2]"))).rejects.toThrow("offset 9: unexpected '}'");
    await expect(elements(streamOf("[{\"a\": 1 2}]"))).rejects.toThrow(/^offset 1: JSON Parse error/);
  });

  test("anything after the array is an error", async () => {
    await expect(elements(streamOf("[1] [2]"))).rejects.toThrow("offset 4: unexpected '[' after the array");
  });

  test("an oversized element fails before it is held whole", async () => {
    const scanner = new JsonArrayScanner(10);
    expect(scanner.push('[1, "abc')).toEqual([1]);
    expect(() => scanner.push("defghijkl")).toThrow("offset 4: element is longer than");
  });

  test("elements come out as soon as they are complete", () => {
    const scanner = new JsonArrayScanner();
    expect(scanner.push("[1, 2, [3")).toEqual([1, 2]);
    expect(scanner.push(", 4]")).toEqual([]);
    expect(scanner.push(", 5]")).toEqual([[3, 4], 5]);
    expect(() => scanner.end()).not.toThrow();
  });
});
