import type { NewChunk } from "./chunk-input.ts";

/** Cuts inline items (already in memory: they came in the request) into slices of `chunkSize`. */
export async function* splitItems(items: readonly unknown[], chunkSize: number): AsyncGenerator<NewChunk> {
  if (!Number.isInteger(chunkSize) || chunkSize < 1) throw new RangeError(`chunkSize must be a positive integer, got ${chunkSize}`);
  for (let offset = 0; offset < items.length; offset += chunkSize) {
    const slice = items.slice(offset, offset + chunkSize);
    yield { offset, count: slice.length, input: { kind: "items", items: slice } };
  }
}
