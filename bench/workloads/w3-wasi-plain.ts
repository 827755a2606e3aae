/**
 * W3-wasi's in-runtime baseline: the whole range counted by primes.wasm in
 * one plain process of the runtime the nodes use (our WASI host in Bun), no
 * Medusa around it. Prints one JSON line: the count, compile and count times.
 *
 *   bun bench/workloads/w3-wasi-plain.ts <primes.wasm>
 */
import { WasiRuntime } from "@medusa/node/runner/wasi-runtime";
import { PRIMES_LIMIT } from "./primes.ts";

const path = process.argv[2];
if (!path) throw new Error("usage: w3-wasi-plain.ts <primes.wasm>");
const t0 = performance.now();
const runtime = new WasiRuntime();
const error = await runtime.init({ runtime: "wasi", moduleBase64: Buffer.from(await Bun.file(path).arrayBuffer()).toString("base64") });
if (error) throw new Error(error);
const t1 = performance.now();
const body = JSON.parse(await runtime.run("map", [[0, PRIMES_LIMIT]])) as { ok: boolean; results?: number[]; error?: unknown };
const t2 = performance.now();
if (!body.ok) throw new Error(`primes.wasm failed: ${JSON.stringify(body.error)}`);
console.log(JSON.stringify({ count: body.results![0], loadMs: t1 - t0, countMs: t2 - t1 }));
