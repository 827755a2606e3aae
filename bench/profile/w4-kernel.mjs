/**
 * W4's kernel alone: one node's share of a round (10 partitions of 10,000
 * points, the peers' pure-Python k-means step) in Pyodide, timed inside
 * Python, with nothing of Medusa around it. Runs under Bun and under Node,
 * so the interpreter's cost can be read apart from the round's overhead:
 *
 *   bun bench/profile/w4-kernel.mjs      # the runtime the runners use
 *   node bench/profile/w4-kernel.mjs     # the same Pyodide on V8
 *   python3 bench/profile/w4-kernel.mjs --print-python | python3 -   # CPython, the peers' runtime
 *
 * Prints ms per node-round (min and median of 15, after 3 warm-up rounds).
 */
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
// The peers' 200,000 points, made as examples/kmeans/kmeans.ts makes them (8 blobs + noise from a 32-bit LCG).
const source = readFileSync(join(here, "../../examples/kmeans/kmeans.ts"), "utf8");
const program = source.match(/KMEANS_PROGRAM = `([\s\S]*?)`;/)[1];
const harness = `
import time, random
${program}
def make_points(n, seed=42):
    s = seed
    pts = []
    def nxt():
        nonlocal s
        s = (1664525 * s + 1013904223) & 0xFFFFFFFF
        return s / 4294967296
    for i in range(n):
        c = i % 8
        pts.append([(c % 4) * 10 + (nxt() * 6 - 3), (c // 4) * 10 + (nxt() * 6 - 3)])
    return pts
pts = make_points(100000)
states = [setup(pts[i * 10000:(i + 1) * 10000]) for i in range(10)]
params = {"centroids": [pts[i] for i in range(8)]}
def node_round():
    t = time.perf_counter()
    for st in states:
        step(st, params)
    return (time.perf_counter() - t) * 1000
for _ in range(3):
    node_round()
ms = sorted(node_round() for _ in range(15))
result = f"{min(ms):.1f} {ms[len(ms) // 2]:.1f}"
`;

if (process.argv.includes("--print-python")) {
  console.log(`${harness}\nprint("cpython", result)`);
} else {
  const require = createRequire(import.meta.url);
  const { loadPyodide } = require(join(here, "../../node_modules/pyodide/pyodide.js"));
  const pyodide = await loadPyodide({ indexURL: join(here, "../../node_modules/pyodide/") + "/" });
  pyodide.runPython(harness);
  const [min, median] = pyodide.globals.get("result").split(" ");
  const engine = typeof Bun !== "undefined" ? `bun ${Bun.version}` : `node ${process.version}`;
  console.log(JSON.stringify({ engine, minMs: Number(min), medianMs: Number(median) }));
}
