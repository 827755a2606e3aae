/**
 * Items per second with 1 and with 2 replicas of each service (gateway,
 * scheduler, splitter, credits), each its own process on the real NATS and
 * Redis (MEDUSA_TEST_NATS_URL / MEDUSA_TEST_REDIS_URL, default localhost),
 * with the same 2 nodes (1 slot each, one per gateway when there are two).
 *
 *   bun bench/replicas.ts [--items 3000] [--chunk 10]
 *
 * The job is a WASI echo (the work per item is next to nothing), so what is
 * measured is the services' own throughput: splitting, leasing, results,
 * events, settlement. A warm-up job runs first. Prints a table and writes
 * bench/results/replicas-<timestamp>.json with the machine and its load.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Fleet } from "@medusa/testing/fleet";
import { testPrefix, TEST_NATS_URL, TEST_REDIS_URL } from "@medusa/testing/servers";
import { until } from "@medusa/testing/until";
import { wasm } from "@medusa/testing/wat-fixtures";
import { MedusaClient } from "@medusa/client";
import { loadNow, machine } from "./lib/machine.ts";

const arg = (name: string, fallback: number) => {
  const at = process.argv.indexOf(name);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
};
const items = arg("--items", 3000);
const chunkSize = arg("--chunk", 10);

async function measure(replicas: number) {
  const dir = mkdtempSync(join(tmpdir(), "medusa-bench-replicas-"));
  const ports = Array.from({ length: replicas }, () => 20_000 + Math.floor(Math.random() * 30_000));
  const urls = ports.map((p) => `http://127.0.0.1:${p}`);
  const fleet = new Fleet({ MEDUSA_NATS_URL: TEST_NATS_URL, MEDUSA_REDIS_URL: TEST_REDIS_URL, MEDUSA_PREFIX: testPrefix("benchrep"), MEDUSA_DATA_DIR: dir, MEDUSA_HOST: "127.0.0.1", MEDUSA_STARTER_CREDITS: "1000000", MEDUSA_CONFIRM_EMAIL: "0", MEDUSA_LOG_LEVEL: "warn" });
  try {
    for (let i = 1; i <= replicas; i++) await fleet.start(`credits-${i}`, "credits");
    for (const role of ["scheduler", "splitter"] as const) await Promise.all(Array.from({ length: replicas }, (_, i) => fleet.start(`${role}-${i + 1}`, role)));
    await Promise.all(ports.map((port, i) => fleet.start(`gateway-${i + 1}`, "gateway", { env: { MEDUSA_PORT: String(port) } })));
    const anon = new MedusaClient(urls[0]!);
    const consumer = anon.withKey((await anon.signUp("bench@example.com", "bench-password")).apiKey);
    const volunteer = anon.withKey((await anon.signUp("bench-volunteer@example.com", "bench-password")).apiKey);
    for (let i = 1; i <= 2; i++) {
      const { nodeToken } = (await (await volunteer.request("POST", "/v1/nodes", { name: `node-${i}` })).json()) as { nodeToken: string };
      await fleet.start(`node-${i}`, "node", { args: ["--token", nodeToken, "--slots", "1", "--no-ui"], env: { MEDUSA_GATEWAY: urls[(i - 1) % urls.length]! }, readyMs: 150_000 });
    }
    await consumer.upload("echo.wasm", await wasm("echo"));
    const run = async (n: number) => {
      const t0 = performance.now();
      const job = await consumer.submit({ program: { runtime: "wasi", module: "echo.wasm" }, input: { range: { start: 0, stop: n } }, chunkSize });
      await until(async () => ["done", "failed", "cancelled"].includes((await consumer.job(job.id)).state), 600_000, "the job to end", { everyMs: 100 });
      const status = await consumer.job(job.id);
      if (status.state !== "done") throw new Error(`job ${status.state}: ${status.error}`);
      return performance.now() - t0;
    };
    await run(200);
    const load = loadNow();
    const ms = await run(items);
    return { replicas, items, chunkSize, ms: Math.round(ms), itemsPerSecond: Math.round((items / ms) * 1000), loadBefore: load, loadAfter: loadNow() };
  } finally {
    await fleet.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const rows = [await measure(1), await measure(2)];
console.log("replicas of each service | items | ms | items/s | load before → after");
for (const r of rows) console.log(`${r.replicas} | ${r.items} | ${r.ms} | ${r.itemsPerSecond} | ${r.loadBefore.join(" ")} → ${r.loadAfter.join(" ")}`);
const out = resolve(import.meta.dir, "results");
mkdirSync(out, { recursive: true });
const file = join(out, `replicas-${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
writeFileSync(file, JSON.stringify({ machine: machine(), rows }, null, 2));
console.log(`written ${file}`);
