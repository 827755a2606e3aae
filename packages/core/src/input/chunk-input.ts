import { z } from "zod";

/** One of the account's files as a chunk names it: its size and SHA-256 when the job was split, so a file changed since is noticed, not run. */
export const FileRef = z.object({ path: z.string(), size: z.number().int().min(0), sha256: z.string() });
export type FileRef = z.infer<typeof FileRef>;

/**
 * What one chunk runs over: inline items, a sub-range, a JSON array in the
 * blob store (a chunk too big to travel inline), binary items named by
 * reference (files, or fixed-size records of one file: the node fetches
 * their bytes from the gateway), or, for the reduce chunk, every map result
 * in input order.
 */
export const ChunkInput = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("items"), items: z.array(z.unknown()) }),
  z.object({ kind: z.literal("range"), start: z.number().int(), stop: z.number().int(), step: z.number().int() }),
  z.object({ kind: z.literal("blob"), key: z.string(), format: z.literal("json") }),
  z.object({ kind: z.literal("files"), files: z.array(FileRef).min(1) }),
  /** Records `first`, `first + 1`, … (`count` of them) of `file`, each `itemBytes` long but the file's last. */
  z.object({ kind: z.literal("records"), file: FileRef, itemBytes: z.number().int().min(1), first: z.number().int().min(0), count: z.number().int().min(1) }),
  z.object({ kind: z.literal("results") }),
]);
export type ChunkInput = z.infer<typeof ChunkInput>;

/** A chunk as the splitter hands it to the scheduler: `offset` is its first item's index in the job. */
export const NewChunk = z.object({ offset: z.number().int().min(0), count: z.number().int().min(0), input: ChunkInput });
export type NewChunk = z.infer<typeof NewChunk>;
