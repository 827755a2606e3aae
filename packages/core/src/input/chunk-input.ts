import { z } from "zod";

/**
 * What one chunk runs over: inline items, a sub-range, a JSON array in the
 * blob store (a chunk too big to travel inline), or, for the reduce chunk,
 * every map result in input order.
 */
export const ChunkInput = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("items"), items: z.array(z.unknown()) }),
  z.object({ kind: z.literal("range"), start: z.number().int(), stop: z.number().int(), step: z.number().int() }),
  z.object({ kind: z.literal("blob"), key: z.string(), format: z.literal("json") }),
  z.object({ kind: z.literal("results") }),
]);
export type ChunkInput = z.infer<typeof ChunkInput>;

/** A chunk as the splitter hands it to the scheduler: `offset` is its first item's index in the job. */
export const NewChunk = z.object({ offset: z.number().int().min(0), count: z.number().int().min(0), input: ChunkInput });
export type NewChunk = z.infer<typeof NewChunk>;
