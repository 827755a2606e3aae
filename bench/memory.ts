/**
 * Memory under a long job: a 1,000,000-item `range` job at chunkSize 100
 * (10,000 chunks). Samples the stack process's RSS (gateway, scheduler,
 * splitter, credits and the node agents all live in it) and the runners'
 * RSS as the job passes 100k and 1M items, and on the distributed target
 * Redis's used memory per chunk stored.
 *
 *   bun bench/memory.ts [--target embedded|distributed]
 *
 * Prints a table and writes bench/results/memory-<timestamp>.json.
 */
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import Redis from "ioredis";
import { machine } from "./lib/machine.ts";
import { distributedUrls, startTarget, type TargetName } from "./lib/target.ts";

const i = Bun.argv.indexOf("--target");
const name = (i > 0 ? Bun.argv[i + 1] : "embedded") as TargetName;
const ITEMS = 1_000_000;
const CHUNK = 100;

const rssMb = (pid: number | "self") => {
  try {
    const pages = Number(readFileSync(`/proc/${pid}/statm`, "utf8").split(" ")[1]);
    return Math.round((pages * 4096) / 1048576);
  } catch {
    return 0;
  }
};
const runnerPids = () =>
  Bun.spawnSync(["pgrep", "-f", "runner (python|wasi)", "-P", String(process.pid)]).stdout.toString().split("\n").filter(Boolean).map(Number);
const redisUsed = async (redis: Redis | null) => (redis ? Number(/used_memory:(\d+)/.exec(await redis.info("memory"))![1]) : 0);

const target = await startTarget(name, (m) => console.log(m));
const urls = distributedUrls();
const redis = name === "distributed" && urls ? new Redis(urls.redis) : null;
const samples: Array<{ items: number; stackRssMb: number; runnersRssMb: number[]; redisBytes: number }> = [];
const sample = async (items: number) => samples.push({ items, stackRssMb: rssMb("self"), runnersRssMb: runnerPids().map(rssMb), redisBytes: await redisUsed(redis) });

const program = { runtime: "python" as const, source: "def map(x):\n    return x + 1\n" };
await sample(0);
const t0 = performance.now();
const job = await target.client.submit({ name: "memory", program, input: { range: { start: 0, stop: ITEMS } }, chunkSize: CHUNK });
let marked100k = false;
let peak = 0;
const final = await target.client.follow(job.id, (e) => {
  if (!("chunks" in e)) return;
  peak = Math.max(peak, rssMb("self"));
  if (!marked100k && e.chunks.done * CHUNK >= 100_000) {
    marked100k = true;
    void sample(100_000);
  }
});
await sample(ITEMS);
const wallS = (performance.now() - t0) / 1000;
if (final.state !== "done") throw new Error(`job ended ${final.state}: ${final.error}`);

const redisPerChunk = redis ? Math.round((samples.at(-1)!.redisBytes - samples[0]!.redisBytes) / (ITEMS / CHUNK)) : null;
console.log(`\n${name}: ${ITEMS} items in ${ITEMS / CHUNK} chunks, done in ${wallS.toFixed(1)} s (command: bun bench/memory.ts --target ${name})\n`);
console.log("items      stack RSS MB   runners RSS MB");
for (const s of samples) console.log(`${String(s.items).padEnd(10)} ${String(s.stackRssMb).padStart(12)}   ${s.runnersRssMb.join(", ")}`);
console.log(`peak stack RSS during the job: ${peak} MB`);
if (redisPerChunk !== null) console.log(`Redis used memory per chunk (results included, before cleanup): ${redisPerChunk} bytes`);

mkdirSync(join(import.meta.dir, "results"), { recursive: true });
const file = join(import.meta.dir, "results", `memory-${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
await Bun.write(file, JSON.stringify({ startedAt: new Date().toISOString(), machine: machine(), target: name, items: ITEMS, chunkSize: CHUNK, wallS, samples, peakStackRssMb: peak, redisBytesPerChunk: redisPerChunk }, null, 2));
console.log(`wrote ${file}`);
redis?.disconnect();
await target.close();
process.exit(0);
