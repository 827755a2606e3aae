/**
 * Splits one file in a fresh process and prints what it saw, with the peak
 * RSS growth: measured here, away from other tests' heaps, so the figure is
 * the splitter's alone. Used by file-input-memory.test.ts.
 */
import { splitFile } from "./file-input.ts";

const [path, sampleArg] = process.argv.slice(2);
const sampleAt = Number(sampleArg);
Bun.gc(true);
const baseline = process.memoryUsage().rss;
let peak = baseline;
let items = 0;
let chunks = 0;
let ordered = true;
let sample: unknown;
const noBlobs = { put: () => Promise.reject(new Error("these chunks should all be inline")) };
for await (const chunk of splitFile(Bun.file(path!).stream(), { format: "lines", chunkSize: 1000, jobId: "big", blobs: noBlobs })) {
  if (chunk.offset !== items) ordered = false;
  if (chunk.input.kind !== "items") throw new Error("expected inline items");
  if (sampleAt >= chunk.offset && sampleAt < chunk.offset + chunk.count) sample = chunk.input.items[sampleAt - chunk.offset];
  items += chunk.count;
  chunks += 1;
  if (chunks % 100 === 0) peak = Math.max(peak, process.memoryUsage().rss);
}
peak = Math.max(peak, process.memoryUsage().rss);
console.log(JSON.stringify({ items, chunks, ordered, sample, growthMb: (peak - baseline) / (1024 * 1024) }));
