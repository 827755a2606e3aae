import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * The splitter must stream: a 200 MB file is split while the process's RSS
 * grows by far less than the file. The split runs in a fresh process so the
 * figure is not other tests' garbage. Slow by nature (it writes and reads 200 MB).
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
      const sampleAt = 1_234_567;
      const probe = Bun.spawnSync([process.execPath, join(import.meta.dir, "file-input-memory.probe.ts"), path, String(sampleAt)], { stderr: "pipe" });
      expect(probe.stderr.toString()).toBe("");
      const seen = JSON.parse(probe.stdout.toString());
      expect(seen.items).toBe(lineCount);
      expect(seen.chunks).toBe(Math.ceil(lineCount / 1000));
      expect(seen.ordered).toBe(true);
      expect(seen.sample).toBe(lineOf(sampleAt));
      expect(seen.growthMb).toBeLessThan(100);
    },
    { timeout: 120_000 },
  );
});
