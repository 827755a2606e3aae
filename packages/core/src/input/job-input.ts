import { z } from "zod";
import { limits } from "../limits.ts";

/**
 * What an input is: a numeric range, items inline in the request, or one of
 * the account's files read in a format. A job and a session take the same
 * inputs; `inputs.ts` says how each kind is measured, read and chunked.
 */
export const RangeInput = z
  .object({
    start: z.number().int().default(0),
    stop: z.number().int(),
    step: z.number().int().refine((s) => s !== 0, "step must not be 0").default(1),
  })
  .refine((r) => rangeLength(r) <= limits.rangeItems, `range has more than ${limits.rangeItems} items`);
export type RangeInput = z.infer<typeof RangeInput>;

/** Items in `range(start, stop, step)`, as Python counts them. */
export function rangeLength(r: { start: number; stop: number; step: number }): number {
  const n = Math.ceil((r.stop - r.start) / r.step);
  return Math.max(0, n);
}

/** How a file's bytes become items; see file-formats.ts. */
export const FileFormat = z.enum(["lines", "jsonl", "json"]);
export type FileFormat = z.infer<typeof FileFormat>;

export const FileInput = z.object({ file: z.string().min(1), format: FileFormat.default("lines") }).strict();
export type FileInput = z.infer<typeof FileInput>;
export const ItemsInput = z.object({ items: z.array(z.unknown()).max(limits.inlineItems) }).strict();
export type ItemsInput = z.infer<typeof ItemsInput>;
export const RangeJobInput = z.object({ range: RangeInput }).strict();
export type RangeJobInput = z.infer<typeof RangeJobInput>;

export const JobInput = z.union([FileInput, ItemsInput, RangeJobInput]);
export type JobInput = z.infer<typeof JobInput>;

/** Each kind of input by the key that names it. */
export type InputKind = "file" | "items" | "range";
export function inputKind(input: JobInput): InputKind {
  if ("range" in input) return "range";
  if ("items" in input) return "items";
  return "file";
}

/** How many items an input holds: exactly, or at most (a file, bounded from its size before it is read). */
export interface InputSize {
  items: number;
  exact: boolean;
}
