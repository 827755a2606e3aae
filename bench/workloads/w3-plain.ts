/**
 * W3's baseline: the whole range counted in one plain process of the same
 * runtime the nodes use (Pyodide in Bun), no Medusa around it. Run as its own
 * process so nothing else in the benchmark shares its CPU; prints one JSON line.
 */
import { PythonRuntime } from "@medusa/node/runner/python-runtime";
import { PRIMES_LIMIT, PRIMES_SOURCE } from "./primes.ts";

const t0 = performance.now();
const runtime = await PythonRuntime.load();
const error = await runtime.init({ runtime: "python", source: PRIMES_SOURCE });
if (error) throw new Error(error);
const t1 = performance.now();
const body = JSON.parse(await runtime.run("map", [[0, PRIMES_LIMIT]])) as { ok: boolean; results: number[] };
const t2 = performance.now();
console.log(JSON.stringify({ count: body.results?.[0], loadMs: t1 - t0, countMs: t2 - t1 }));
