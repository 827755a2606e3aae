import { z } from "zod";
import { limits } from "../limits.ts";

/**
 * What an input is: a numeric range, items inline in the request, one of
 * the account's files read in a format, or a folder (or glob) of the
 * account's files, one binary item each. A job and a session take the same
 * inputs (a session no binary ones); `inputs.ts` says how each kind is
 * measured, read and chunked.
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

/** How a file's bytes become items; see file-formats.ts. `binary`: records of `itemBytes` bytes each. */
export const FileFormat = z.enum(["lines", "jsonl", "json", "binary"]);
export type FileFormat = z.infer<typeof FileFormat>;

export const FileInput = z
  .object({
    file: z.string().min(1),
    format: FileFormat.default("lines"),
    /** The size of one record of a `binary` file (the last record holds what is left). */
    itemBytes: z.number().int().min(1).max(limits.binaryItemBytes, `itemBytes is over the per-item cap of ${limits.binaryItemBytes} bytes`).optional(),
  })
  .strict()
  .superRefine((input, ctx) => {
    if (input.format === "binary" && input.itemBytes === undefined) ctx.addIssue({ code: "custom", path: ["itemBytes"], message: "a binary file is cut into records of itemBytes bytes: name their size" });
    if (input.format !== "binary" && input.itemBytes !== undefined) ctx.addIssue({ code: "custom", path: ["itemBytes"], message: 'itemBytes applies to format "binary" only' });
  });
export type FileInput = z.infer<typeof FileInput>;

/**
 * Every file under a folder of the account's files (`"scans"` or
 * `"scans/"`), or every file a glob matches (`"scans/**\/*.png"`), one binary
 * item each, in name order.
 */
export const FilesInput = z
  .object({
    files: z.string().min(1).max(limits.filePathChars).superRefine((pattern, ctx) => {
      const problem = filesPatternProblem(pattern);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    }),
  })
  .strict();
export type FilesInput = z.infer<typeof FilesInput>;
export const ItemsInput = z.object({ items: z.array(z.unknown()).max(limits.inlineItems) }).strict();
export type ItemsInput = z.infer<typeof ItemsInput>;
export const RangeJobInput = z.object({ range: RangeInput }).strict();
export type RangeJobInput = z.infer<typeof RangeJobInput>;

export const JobInput = z.union([FileInput, FilesInput, ItemsInput, RangeJobInput]);
export type JobInput = z.infer<typeof JobInput>;

/** Each kind of input by the key that names it. */
export type InputKind = "file" | "files" | "items" | "range";
export function inputKind(input: JobInput): InputKind {
  if ("range" in input) return "range";
  if ("items" in input) return "items";
  if ("files" in input) return "files";
  return "file";
}

/** Inputs whose items are bytes, fetched by the node that runs them, never carried as JSON values. */
export const isBinaryInput = (input: JobInput): input is FilesInput | (FileInput & { format: "binary" }) =>
  "files" in input || ("file" in input && input.format === "binary");

const GLOB_CHARS = /[*?[\]{}]/;

/** The folder a `files` pattern lists ("" for the whole account) and, for a glob, the glob its paths must match. */
export function filesPattern(pattern: string): { folder: string; glob: string | null } {
  if (!GLOB_CHARS.test(pattern)) return { folder: pattern.replace(/\/+$/, ""), glob: null };
  const segments = pattern.split("/");
  const literal = segments.findIndex((s) => GLOB_CHARS.test(s));
  return { folder: segments.slice(0, literal).join("/"), glob: pattern };
}

/** Why a `files` pattern is not one, or null: a relative folder or glob that cannot climb out of the account's folder. */
export function filesPatternProblem(pattern: string): string | null {
  if (pattern.includes("\0")) return "contains a NUL character";
  if (pattern.includes("\\")) return "contains a backslash; use / between folders";
  if (pattern.startsWith("/")) return "must be relative, not start with /";
  const { folder, glob } = filesPattern(pattern);
  const segments = (glob ?? folder).split("/");
  if (segments.some((s) => s === "." || s === "..")) return "has a '.' or '..' segment";
  if (!glob && folder === "") return 'names no folder; "**" takes every file';
  if (segments.some((s, i) => s === "" && (glob !== null || i < segments.length - 1))) return "has an empty segment (//)";
  return null;
}

/** How many items an input holds: exactly, or at most (a file, bounded from its size before it is read). */
export interface InputSize {
  items: number;
  exact: boolean;
}
