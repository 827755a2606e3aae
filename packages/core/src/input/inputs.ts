import { MedusaError } from "../errors.ts";
import type { BlobStore } from "../ports/blobs.ts";
import { accountFileKey } from "./account-files.ts";
import { groupFiles, listInputFiles, splitFiles } from "./binary-items.ts";
import type { FileRef, NewChunk } from "./chunk-input.ts";
import { FILE_FORMATS, fileItems } from "./file-formats.ts";
import { splitFile } from "./file-input.ts";
import { splitItems } from "./items-input.ts";
import { inputKind, rangeLength, type FileInput, type FilesInput, type InputKind, type InputSize, type ItemsInput, type JobInput, type RangeJobInput } from "./job-input.ts";
import { rangeValues, splitRange } from "./range-input.ts";

/**
 * How each kind of input is measured, read and cut into chunks: the one place
 * a job (the splitter, the price), a session and the site agree on what an
 * input holds. A new kind of input is a schema in job-input.ts and one entry
 * here; a new file format is one entry in file-formats.ts.
 */
export interface InputSource {
  /** The account whose files a file input names. */
  owner: string;
  blobs: BlobStore;
}

export interface ChunkTarget {
  /** Names the blob keys of chunks too big to travel inline. */
  jobId: string;
  chunkSize: number;
  inlineMaxBytes?: number;
}

interface KindRules<I extends JobInput> {
  /** How many items the input holds, without reading it. */
  size(input: I, from: InputSource): Promise<InputSize>;
  /** Every item, in order. */
  items(input: I, from: InputSource): AsyncGenerator<unknown>;
  /** Chunks of `chunkSize` items, in order; stopping early stops reading. */
  chunks(input: I, from: InputSource, to: ChunkTarget): AsyncGenerator<NewChunk>;
  /** How many chunks `chunks` makes, when that is not simply items / chunkSize (binary items: chunks are capped in bytes too). */
  chunkCount?(input: I, from: InputSource, chunkSize: number): Promise<number>;
}

const range: KindRules<RangeJobInput> = {
  size: async (input) => ({ items: rangeLength(input.range), exact: true }),
  items: async function* (input) {
    yield* rangeValues(input.range);
  },
  chunks: (input, _from, to) => splitRange(input.range, to.chunkSize),
};

const items: KindRules<ItemsInput> = {
  size: async (input) => ({ items: input.items.length, exact: true }),
  items: async function* (input) {
    yield* input.items;
  },
  chunks: (input, _from, to) => splitItems(input.items, to.chunkSize),
};

const file: KindRules<FileInput> = {
  async size(input, from) {
    return FILE_FORMATS[input.format].size((await statFile(input, from)).size, input);
  },
  items: async function* (input, from) {
    yield* fileItems(await openFile(input, from), input);
  },
  chunks: async function* (input, from, to) {
    const byReference = FILE_FORMATS[input.format].byReference;
    if (byReference) yield* byReference.chunks(await statFile(input, from), input, to.chunkSize);
    else yield* splitFile(await openFile(input, from), { ...input, ...to, blobs: from.blobs });
  },
  async chunkCount(input, from, chunkSize) {
    const byReference = FILE_FORMATS[input.format].byReference;
    const { size } = await statFile(input, from);
    return byReference ? byReference.chunkCount(size, input, chunkSize) : chunkCount(FILE_FORMATS[input.format].size(size, input).items, chunkSize);
  },
};

const files: KindRules<FilesInput> = {
  size: async (input, from) => ({ items: (await listInputFiles(input, from.owner, from.blobs)).length, exact: true }),
  items: async function* () {
    throw new MedusaError("unsupported", "files are fetched by the node that runs them; they are not read as values");
  },
  chunks: async function* (input, from, to) {
    yield* splitFiles(await listInputFiles(input, from.owner, from.blobs), to.chunkSize);
  },
  chunkCount: async (input, from, chunkSize) => [...groupFiles(await listInputFiles(input, from.owner, from.blobs), chunkSize)].length,
};

const KINDS: { [K in InputKind]: KindRules<Extract<JobInput, Record<K, unknown>>> } = { range, items, file, files };
const rulesOf = (input: JobInput) => KINDS[inputKind(input)] as KindRules<JobInput>;

/** How many items `input` holds: exactly, or for a file at most (bounded from its size). */
export function measureInput(input: JobInput, from: InputSource): Promise<InputSize> {
  return rulesOf(input).size(input, from);
}

/** Every item of `input`, in order, read as it is consumed. */
export function inputItems(input: JobInput, from: InputSource): AsyncGenerator<unknown> {
  return rulesOf(input).items(input, from);
}

/** `input` cut into chunks of `to.chunkSize` items, in order. */
export function inputChunks(input: JobInput, from: InputSource, to: ChunkTarget): AsyncGenerator<NewChunk> {
  return rulesOf(input).chunks(input, from, to);
}

/** Chunks of `chunkSize` that `items` items make: what inputChunks produces, counted. */
export const chunkCount = (items: number, chunkSize: number) => Math.ceil(items / chunkSize);

/** The input's items and the chunks of `chunkSize` it makes: exactly, or for a text file at most. */
export async function measureChunks(input: JobInput, from: InputSource, chunkSize: number): Promise<InputSize & { chunks: number }> {
  const rules = rulesOf(input);
  const size = await rules.size(input, from);
  const chunks = rules.chunkCount ? await rules.chunkCount(input, from, chunkSize) : chunkCount(size.items, chunkSize);
  return { ...size, chunks };
}

async function statFile(input: FileInput, from: InputSource): Promise<FileRef> {
  const info = await from.blobs.stat(accountFileKey(from.owner, input.file));
  if (!info) throw missingFile(input);
  return { path: input.file, size: info.size, sha256: info.sha256 };
}

async function openFile(input: FileInput, from: InputSource): Promise<ReadableStream<Uint8Array>> {
  const stream = await from.blobs.get(accountFileKey(from.owner, input.file));
  if (!stream) throw missingFile(input);
  return stream;
}

const missingFile = (input: FileInput) => new MedusaError("not_found", `input file ${input.file} not found`);
