import { z } from "zod";
import { MedusaError } from "../errors.ts";
import { limits } from "../limits.ts";
import type { BlobStore } from "../ports/blobs.ts";
import { accountFileKey, filesPrefix } from "./account-files.ts";
import type { ChunkInput, FileRef, NewChunk } from "./chunk-input.ts";
import { filesPattern, type FilesInput } from "./job-input.ts";

/**
 * Binary items: the files of a `files` input, one item each, and the
 * fixed-size records of a `binary` file. Their bytes never travel in a chunk
 * record or over the bus: a chunk names them (path, size, SHA-256, byte
 * range), the gateway tells the node what each item is, and the node
 * fetches each item's bytes from the gateway with its lease when it runs the
 * chunk. A chunk holds at most `binaryChunkItems` items and
 * `binaryChunkBytes` bytes (one bigger item alone), whatever its chunkSize.
 */

/** What a node (and the program) is told of one binary item before fetching it. `offset`: where a record starts in its file. */
export const BinaryItem = z.object({ name: z.string(), size: z.number().int().min(0), offset: z.number().int().min(0).optional() });
export type BinaryItem = z.infer<typeof BinaryItem>;

export type BinaryChunkInput = Extract<ChunkInput, { kind: "files" | "records" }>;
export const isBinaryChunk = (input: ChunkInput): input is BinaryChunkInput => input.kind === "files" || input.kind === "records";

/** Where item `item` of a binary chunk lies: bytes [start, start + length) of one of the owner's files, as it was when split. */
export interface BinaryItemBytes {
  file: FileRef;
  start: number;
  length: number;
}

const itemsPerChunk = (chunkSize: number) => Math.min(chunkSize, limits.binaryChunkItems);

/** The files a `files` input takes, in name order; a file over the per-item cap, or no file at all, is an error naming the field. */
export async function listInputFiles(input: FilesInput, owner: string, blobs: Pick<BlobStore, "list">): Promise<FileRef[]> {
  const { folder, glob } = filesPattern(input.files);
  const root = filesPrefix(owner);
  const matcher = glob ? new Bun.Glob(glob) : null;
  const listed = await blobs.list(folder ? `${accountFileKey(owner, folder)}/` : root);
  const files = listed
    .map((b) => ({ path: b.key.slice(root.length), size: b.size, sha256: b.sha256 }))
    .filter((f) => !matcher || matcher.match(f.path))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  if (files.length === 0) throw filesField(glob ? `no file matches ${input.files}` : `no files under ${folder}/`);
  const over = files.find((f) => f.size > limits.binaryItemBytes);
  if (over) throw filesField(`${over.path} is ${over.size} bytes, over the per-item cap of ${limits.binaryItemBytes} bytes`);
  return files;
}

/** Files grouped into chunks: at most `chunkSize` (and binaryChunkItems) each, and binaryChunkBytes, but never empty. */
export function* groupFiles(files: FileRef[], chunkSize: number): Generator<FileRef[]> {
  const most = itemsPerChunk(chunkSize);
  let group: FileRef[] = [];
  let bytes = 0;
  for (const file of files) {
    if (group.length > 0 && (group.length >= most || bytes + file.size > limits.binaryChunkBytes)) {
      yield group;
      group = [];
      bytes = 0;
    }
    group.push(file);
    bytes += file.size;
  }
  if (group.length > 0) yield group;
}

export async function* splitFiles(files: FileRef[], chunkSize: number): AsyncGenerator<NewChunk> {
  let offset = 0;
  for (const group of groupFiles(files, chunkSize)) {
    yield { offset, count: group.length, input: { kind: "files", files: group } };
    offset += group.length;
  }
}

/** Records a binary file of `bytes` holds: the last one may be short. */
export const recordCount = (bytes: number, itemBytes: number) => Math.ceil(bytes / itemBytes);

/** Records per chunk: chunkSize, unless their bytes would pass binaryChunkBytes; at least one. */
export const recordsPerChunk = (itemBytes: number, chunkSize: number) => Math.max(1, Math.min(itemsPerChunk(chunkSize), Math.floor(limits.binaryChunkBytes / itemBytes)));

export async function* splitRecords(file: FileRef, itemBytes: number, chunkSize: number): AsyncGenerator<NewChunk> {
  const total = recordCount(file.size, itemBytes);
  const per = recordsPerChunk(itemBytes, chunkSize);
  for (let first = 0; first < total; first += per) {
    const count = Math.min(per, total - first);
    yield { offset: first, count, input: { kind: "records", file, itemBytes, first, count } };
  }
}

/** The items of a binary chunk, as the node and the program see them before the bytes arrive. */
export function binaryItems(input: BinaryChunkInput): BinaryItem[] {
  if (input.kind === "files") return input.files.map((f) => ({ name: f.path, size: f.size }));
  return Array.from({ length: input.count }, (_, i) => {
    const { start, length } = binaryItemBytes(input, i);
    return { name: input.file.path, size: length, offset: start };
  });
}

/** Where item `item` (0-based within the chunk) of a binary chunk lies; not_found past its last item. */
export function binaryItemBytes(input: BinaryChunkInput, item: number): BinaryItemBytes {
  const count = input.kind === "files" ? input.files.length : input.count;
  if (!Number.isInteger(item) || item < 0 || item >= count) throw new MedusaError("not_found", `item ${item} of a chunk of ${count} items`);
  if (input.kind === "files") {
    const file = input.files[item]!;
    return { file, start: 0, length: file.size };
  }
  const start = (input.first + item) * input.itemBytes;
  return { file: input.file, start, length: Math.min(input.itemBytes, input.file.size - start) };
}

function filesField(message: string): MedusaError {
  return new MedusaError("invalid_field", `input.files: ${message}`, { issues: [{ field: "input.files", message }] });
}
