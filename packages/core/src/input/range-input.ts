import type { NewChunk } from "./chunk-input.ts";
import { rangeLength } from "./job-input.ts";

export interface NumericRange {
  start: number;
  stop: number;
  step: number;
}

/** The numbers of a range, one at a time, stopping before `stop` either way. */
export function* rangeValues(range: NumericRange): Generator<number> {
  const n = rangeLength(range);
  for (let i = 0; i < n; i++) yield range.start + i * range.step;
}

/**
 * Cuts a range into sub-ranges of `chunkSize` items. The numbers themselves
 * are never produced: a billion-item range costs as much as a ten-item one.
 */
export async function* splitRange(range: NumericRange, chunkSize: number): AsyncGenerator<NewChunk> {
  if (!Number.isInteger(chunkSize) || chunkSize < 1) throw new RangeError(`chunkSize must be a positive integer, got ${chunkSize}`);
  if (range.step === 0) throw new RangeError("step must not be 0");
  const { start, step } = range;
  const total = rangeLength(range);
  for (let offset = 0; offset < total; offset += chunkSize) {
    const count = Math.min(chunkSize, total - offset);
    // The last sub-range keeps the caller's own stop, so it reads exactly like the request.
    const stop = offset + count === total ? range.stop : start + (offset + count) * step;
    yield { offset, count, input: { kind: "range", start: start + offset * step, stop, step } };
  }
}
