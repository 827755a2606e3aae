import type { NewChunk } from "./chunk-input.ts";
import { packChunk, type ChunkPacking } from "./chunk-items.ts";
import { fileItems, type FileReading } from "./file-formats.ts";

export type SplitFileOptions = FileReading & ChunkPacking & { chunkSize: number };

/**
 * Streams a file's items into chunks of `chunkSize`. Only the chunk being
 * built is in memory; stopping the iteration early stops reading the file.
 */
export async function* splitFile(stream: ReadableStream<Uint8Array>, opts: SplitFileOptions): AsyncGenerator<NewChunk> {
  if (!Number.isInteger(opts.chunkSize) || opts.chunkSize < 1) throw new RangeError(`chunkSize must be a positive integer, got ${opts.chunkSize}`);
  let items: unknown[] = [];
  let offset = 0;
  let index = 0;
  const pack = async (): Promise<NewChunk> => {
    const chunk = await packChunk(items, { offset, index }, opts);
    offset += items.length;
    index += 1;
    items = [];
    return chunk;
  };
  for await (const item of fileItems(stream, opts)) {
    items.push(item);
    if (items.length === opts.chunkSize) yield await pack();
  }
  if (items.length > 0) yield await pack();
}
