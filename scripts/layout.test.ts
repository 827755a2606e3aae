import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { cycles, isTestFile, readImportGraph, ROOT, unitOf } from "./import-graph.ts";

/**
 * The layout's promises, checked on every run: no import cycles; libraries
 * never import services, the node or apps; services never import each other;
 * the node imports only core; only tests import the testing package.
 */
const graph = readImportGraph();

function forbidden(from: string, to: string): string | null {
  const a = unitOf(from);
  const b = unitOf(to);
  if (a === b || b === "packages/core") return null;
  if (b === "packages/testing") return isTestFile(from) || a === "bench" ? null : "only tests import packages/testing";
  if (a === "packages/core") return "packages/core depends on zod alone";
  if (a === "node" && !isTestFile(from)) return "the node imports only packages/core";
  if (a === "node" && b !== "packages/testing") return "the node's tests import only core and testing";
  const harness = a === "bench" || a === "examples" || a === "scripts" || a.startsWith("apps/");
  if (b.startsWith("services/")) return harness ? null : `${a} must not import a service (${b})`;
  if (b === "node") return harness ? null : `${a} must not import the node`;
  if (b.startsWith("apps/")) return harness && !a.startsWith("apps/") ? null : `${a} must not import a deployable (${b})`;
  return null;
}

describe("the import graph", () => {
  test("has no cycles", () => {
    expect(cycles(graph)).toEqual([]);
  });

  test("points only downward: libraries ← services ← apps; no service imports another", () => {
    const wrong: string[] = [];
    for (const [from, targets] of graph.edges) for (const to of targets) {
      const why = forbidden(from, to);
      if (why) wrong.push(`${from} → ${to}: ${why}`);
    }
    expect(wrong).toEqual([]);
  });

  test("no source file is over 300 lines unless it says why (a `Long file:` comment)", () => {
    const long = [...graph.edges.keys()]
      .filter((file) => !isTestFile(file))
      .map((file) => ({ file, text: readFileSync(join(ROOT, file), "utf8") }))
      .filter(({ text }) => text.split("\n").length > 300 && !/Long file:/.test(text))
      .map(({ file, text }) => `${file}: ${text.split("\n").length} lines`);
    expect(long).toEqual([]);
  });
});
