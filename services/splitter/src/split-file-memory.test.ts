import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { splitFile } from "./split-file.ts";

/**
 * The splitter must stream: a 200 MB file is split while the process's RSS
 * grows by far less than the file. Slow by nature (it writes and reads 200 MB).
 */
const dir = mkdtempSync(join(tmpdir(), "splitter-big-"));
const path = join(dir, "big.txt");
const FILE_BYTES = 200 * 1024 * 1024;
const MB = 1024 * 1024;
const lineOf = (i: number) => `item ${i} ${"abcdefghij".repeat(9)}`;
let lineCount = 0;

beforeAll(async () => {
  const writer = Bun.file(path).writer({ highWaterMark: MB });
  let written = 0;
  while (written < FILE_BYTES) {
    const batch: string[] = [];
    for (let j = 0; j < 10_000; j++) batch.push(lineOf(lineCount++));
    const text = batch.join("\n") + "\n";
    written += Buffer.byteLength(text);
    writer.write(text);
    await writer.flush();
  }
  await writer.end();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("splitFile on a 200 MB file", () => {
  test(
    "counts every line, keeps order, and RSS grows far less than the file",
    async () => {
      expect(statSync(path).size).toBeGreaterThanOrEqual(FILE_BYTES);
      Bun.gc(true);
      const baseline = process.memoryUsage().rss;
      let peak = baseline;
      let items = 0;
      let chunks = 0;
      const sampleAt = 1_234_567;
      let sample: unknown;
      const noBlobs = { put: () => Promise.reject(new Error("these chunks should all be inline")) };
      for await (const chunk of splitFile(Bun.file(path).stream(), { format: "lines", chunkSize: 1000, jobId: "big", blobs: noBlobs })) {
        expect(chunk.offset).toBe(items);
        if (chunk.input.kind !== "items") throw new Error("expected inline items");
        if (sampleAt >= chunk.offset && sampleAt < chunk.offset + chunk.count) sample = chunk.input.items[sampleAt - chunk.offset];
        items += chunk.count;
        chunks += 1;
        if (chunks % 100 === 0) peak = Math.max(peak, process.memoryUsage().rss);
      }
      peak = Math.max(peak, process.memoryUsage().rss);
      expect(items).toBe(lineCount);
      expect(chunks).toBe(Math.ceil(lineCount / 1000));
      expect(sample).toBe(lineOf(sampleAt));
      expect((peak - baseline) / MB).toBeLessThan(100);
    },
    { timeout: 120_000 },
  );
});
