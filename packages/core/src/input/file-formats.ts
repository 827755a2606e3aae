import { errorMessage, MedusaError } from "../errors.ts";
import { recordCount, recordsPerChunk, splitRecords } from "./binary-items.ts";
import type { FileRef, NewChunk } from "./chunk-input.ts";
import type { FileFormat, FileInput, InputSize } from "./job-input.ts";
import { readJsonArray } from "./json-array.ts";
import { readLines } from "./text-lines.ts";

/**
 * How a file's bytes become items, one entry per format: its items in order,
 * read as a stream (only one item is held at a time), and how many items a
 * file of `bytes` can hold, known before reading it (what the price of a file
 * job is bounded from). A new format is one more entry here.
 */
export interface FileFormatRules {
  items(stream: ReadableStream<Uint8Array>, reading: FileReading): AsyncGenerator<unknown>;
  size(bytes: number, reading: FileReading): InputSize;
  /**
   * A format whose items are byte ranges (binary records): its chunks name
   * the ranges instead of carrying items, and are never read here.
   */
  byReference?: {
    chunks(file: FileRef, reading: FileReading, chunkSize: number): AsyncGenerator<NewChunk>;
    chunkCount(bytes: number, reading: FileReading, chunkSize: number): number;
  };
}

/** How a file is read: its format, and whatever options that format takes. */
export type FileReading = Omit<FileInput, "file">;

export const FILE_FORMATS: Record<FileFormat, FileFormatRules> = {
  /** Each line a string, without its `\n` or `\r\n`; a line takes at least one byte (its newline, or its one character when last). */
  lines: { items: linesOf, size: (bytes) => ({ items: bytes, exact: false }) },
  /** Each non-blank line parsed as JSON; a value and its newline take at least two bytes. */
  jsonl: { items: jsonLinesOf, size: (bytes) => ({ items: Math.floor(bytes / 2) + 1, exact: false }) },
  /** The elements of one top-level array; an element and its comma take at least two bytes. */
  json: { items: (stream) => readJsonArray(stream), size: (bytes) => ({ items: Math.floor(bytes / 2) + 1, exact: false }) },
  /** Records of `itemBytes` bytes, the last one what is left: a node fetches each one's bytes (binary-items.ts). */
  binary: {
    items: async function* () {
      throw new MedusaError("unsupported", "binary records are fetched by the node that runs them; they are not read as values");
    },
    size: (bytes, reading) => ({ items: recordCount(bytes, reading.itemBytes!), exact: true }),
    byReference: {
      chunks: (file, reading, chunkSize) => splitRecords(file, reading.itemBytes!, chunkSize),
      chunkCount: (bytes, reading, chunkSize) => Math.ceil(recordCount(bytes, reading.itemBytes!) / recordsPerChunk(reading.itemBytes!, chunkSize)),
    },
  },
};

/** The items of a file in its format, in order. */
export function fileItems(stream: ReadableStream<Uint8Array>, reading: FileReading): AsyncGenerator<unknown> {
  return FILE_FORMATS[reading.format].items(stream, reading);
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
