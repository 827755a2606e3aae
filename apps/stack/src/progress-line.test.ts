import { expect, test } from "bun:test";
import { ProgressLine } from "./progress-line.ts";

const counts = (total: number, done: number) => ({ total, done, running: 0, failed: 0 });

test("before the first chunk exists the line says the input is being split, not 0/0 chunks", () => {
  const written: string[] = [];
  const line = new ProgressLine({ isTTY: false, write: (s: string) => written.push(s) > 0 }, 10);
  line.update(counts(0, 0), 5000, false);
  line.update(counts(51, 0), 5000);
  line.update(counts(51, 51), 5000);
  expect(written.map((l) => l.trimEnd())).toEqual([
    "[..........] splitting the input into chunks…",
    expect.stringMatching(/^\[\.{10}\] 0\/51 chunks /),
    expect.stringMatching(/^\[#{10}\] 51\/51 chunks /),
  ]);
});

test("a sealed job with no chunks at all is counted, not split", () => {
  const written: string[] = [];
  new ProgressLine({ isTTY: false, write: (s: string) => written.push(s) > 0 }, 10).update(counts(0, 0), 0, true);
  expect(written[0]).toStartWith("[..........] 0/0 chunks");
});
