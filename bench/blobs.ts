/**
 * The JetStream object-store blob adapter with a big blob: put and get
 * throughput and how far this process's RSS rises above where it started,
 * beside the folder adapter with the same bytes. The bytes are made as they
 * are sent (1 MiB pieces), so nothing but the adapter holds them.
 *
 *   bun bench/blobs.ts [--mb 1024] [--nats nats://127.0.0.1:4222]
 *
 * Uses a bucket and a temp folder of its own, deleted afterwards. Prints one
 * line per adapter and direction.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect } from "nats";
import type { BlobStore } from "@medusa/core";
import { FolderBlobStore } from "@medusa/adapters/blobs/folder-blobs";
import { JetStreamBlobStore } from "@medusa/adapters/blobs/jetstream-blobs";
import { loadNow } from "./lib/machine.ts";

const arg = (name: string, fallback: string) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1]! : fallback);
const mb = Number(arg("--mb", "1024"));
if (!Number.isInteger(mb) || mb < 1) throw new Error("--mb takes a whole number of MiB");

let peak = 0;
setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 20).unref();

function body(): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream({
    pull(c) {
      if (sent === mb) return c.close();
      c.enqueue(new Uint8Array(1 << 20).fill(sent++ % 251));
    },
  });
}

async function measure(name: string, store: BlobStore): Promise<void> {
  for (const direction of ["put", "get"] as const) {
    Bun.gc(true);
    const base = process.memoryUsage.rss();
    peak = base;
    const load = loadNow()[0];
    const t0 = performance.now();
    if (direction === "put") await store.put("bench/big", body());
    else {
      const hash = createHash("sha256");
      for await (const chunk of (await store.get("bench/big"))!) hash.update(chunk);
    }
    const seconds = (performance.now() - t0) / 1000;
    console.log(`${name.padEnd(9)} ${direction} ${mb} MiB: ${(mb / seconds).toFixed(0).padStart(4)} MiB/s, RSS +${((peak - base) / 2 ** 20).toFixed(0)} MiB (load ${load})`);
  }
}

const nc = await connect({ servers: arg("--nats", "nats://127.0.0.1:4222"), name: "bench-blobs" });
const bucket = `benchblobs${Date.now().toString(36)}`;
const dir = mkdtempSync(join(tmpdir(), "medusa-bench-blobs-"));
try {
  await measure("jetstream", await JetStreamBlobStore.open(nc, bucket));
  await measure("folder", new FolderBlobStore(dir));
} finally {
  await (await nc.jetstreamManager()).streams.delete(`OBJ_${bucket}`).catch(() => {});
  await nc.close();
  rmSync(dir, { recursive: true, force: true });
}
