import { errorMessage, limits, MedusaError, type BlobStore, type FileFormat, type NewChunk } from "@medusa/core";
import { readJsonArray } from "./json-array.ts";
import { readLines } from "./text-lines.ts";

/** Chunks whose JSON is smaller than this travel inside the chunk record; bigger ones go to the blob store. */

export interface SplitFileOptions {
  format: FileFormat;
  chunkSize: number;
  /** Names the blob keys of chunks too big to inline: `jobs/<jobId>/chunks/<index>.json`. */
  jobId: string;
  blobs: Pick<BlobStore, "put">;
  inlineMaxBytes?: number;
}

export const chunkBlobKey = (jobId: string, index: number) => `jobs/${jobId}/chunks/${index}.json`;

/**
 * Streams a file's items into chunks of `chunkSize`. Only the chunk being
 * built is in memory; stopping the iteration early stops reading the file.
 */
export async function* splitFile(stream: ReadableStream<Uint8Array>, opts: SplitFileOptions): AsyncGenerator<NewChunk> {
  if (!Number.isInteger(opts.chunkSize) || opts.chunkSize < 1) throw new RangeError(`chunkSize must be a positive integer, got ${opts.chunkSize}`);
  const inlineMaxBytes = opts.inlineMaxBytes ?? limits.inlineChunkBytes;
  let items: unknown[] = [];
  let offset = 0;
  let index = 0;
  const pack = async (): Promise<NewChunk> => {
    const chunk = await packChunk(items, { offset, index, inlineMaxBytes, jobId: opts.jobId, blobs: opts.blobs });
    offset += items.length;
    index += 1;
    items = [];
    return chunk;
  };
  for await (const item of fileItems(stream, opts.format)) {
    items.push(item);
    if (items.length === opts.chunkSize) yield await pack();
  }
  if (items.length > 0) yield await pack();
}

/** The items of a file in the given format, in order. */
export function fileItems(stream: ReadableStream<Uint8Array>, format: FileFormat): AsyncGenerator<unknown> {
  switch (format) {
    case "lines":
      return linesOf(stream);
    case "jsonl":
      return jsonLinesOf(stream);
    case "json":
      return readJsonArray(stream);
  }
}

async function* linesOf(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  for await (const line of readLines(stream)) yield line.text;
}

async function* jsonLinesOf(stream: ReadableStream<Uint8Array>): AsyncGenerator<unknown> {
  for await (const line of readLines(stream)) {
    if (line.text.trim() === "") continue;
    try {
      yield JSON.parse(line.text);
    } catch (err) {
      throw new MedusaError("bad_request", `line ${line.number}: ${errorMessage(err)}`);
    }
  }
}

async function packChunk(
  items: unknown[],
  at: { offset: number; index: number; inlineMaxBytes: number; jobId: string; blobs: Pick<BlobStore, "put"> },
): Promise<NewChunk> {
  const json = JSON.stringify(items);
  const count = items.length;
  if (Buffer.byteLength(json) < at.inlineMaxBytes) return { offset: at.offset, count, input: { kind: "items", items } };
  const key = chunkBlobKey(at.jobId, at.index);
  await at.blobs.put(key, json);
  return { offset: at.offset, count, input: { kind: "blob", key, format: "json" } };
}
