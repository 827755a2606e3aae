import { z } from "zod";
import { MedusaError } from "./errors.ts";

/**
 * Validation failures as a person reads them: the deepest field that is
 * wrong, and what it should have been. Two things stand in the way in zod:
 * a union reports only "Invalid input" at its own path (the branch's issues
 * hide under `errors`), and a coerced query value that is not a number reads
 * "expected number, received NaN".
 */

type Issue = z.core.$ZodIssue;
type Path = Array<PropertyKey>;

const article = (noun: string) => (/^[aeiou]/.test(noun) ? `an ${noun}` : `a ${noun}`);
const NOUNS: Record<string, string> = { int: "whole number", nan: "number" };

/** Messages for the issues a schema wrote no message for; the rest keep zod's wording. */
const humane: z.core.$ZodErrorMap = (issue) => {
  if ((issue.code === "invalid_type" || issue.code === "invalid_union") && issue.input === undefined) return "required";
  if (issue.code !== "invalid_type") return undefined;
  return `expected ${article(NOUNS[issue.expected] ?? issue.expected)}`;
};

/** A branch the input cannot have meant: it lacks one of the branch's keys, or has keys the branch refuses. */
function keyedOut(branch: Issue[]): boolean {
  return branch.some((i) => (i.code === "unrecognized_keys" && i.path.length === 0) || (i.code === "invalid_type" && i.path.length === 1 && i.input === undefined));
}

/** The keys a branch needs that the input lacks. */
const missingKeys = (branch: Issue[]) => branch.filter((i) => i.code === "invalid_type" && i.path.length === 1 && i.input === undefined).map((i) => String(i.path[0]));

/**
 * Replaces each union issue by the issues of the one branch whose keys the
 * input has, recursively; when no branch fits, says which keys would.
 */
function resolveUnions(issues: readonly Issue[], prefix: Path = []): Array<{ path: Path; message: string }> {
  return issues.flatMap((issue) => {
    const path = [...prefix, ...issue.path];
    if (issue.code !== "invalid_union" || issue.errors.length === 0 || issue.message !== "Invalid input") return [{ path, message: issue.message }];
    const fitting = issue.errors.filter((branch) => !keyedOut(branch));
    if (fitting.length === 1) return resolveUnions(fitting[0]!, path);
    if (fitting.length === 0) {
      const keys = [...new Set(issue.errors.flatMap(missingKeys))];
      if (keys.length > 0) return [{ path, message: `expected one of the fields ${keys.join(", ")}` }];
    }
    return [{ path, message: issue.message }];
  });
}

/** Turns a zod failure into an error that names the offending field. */
export function invalidFields(error: z.ZodError, where = "body"): MedusaError {
  const issues = resolveUnions(error.issues).map((i) => ({ field: i.path.map(String).join(".") || where, message: i.message }));
  const first = issues[0]!;
  return new MedusaError("invalid_field", `${first.field}: ${first.message}`, { issues });
}

/** Parses at a boundary: the value, or an `invalid_field` error naming the deepest wrong field. */
export function parseOrThrow<T extends z.ZodType>(schema: T, value: unknown, where?: string): z.infer<T> {
  const parsed = safeParseHumane(schema, value);
  if (!parsed.success) throw invalidFields(parsed.error, where);
  return parsed.data;
}

/** `safeParse` with the inputs reported (so a missing key is told from a wrong one) and the humane messages. */
export function safeParseHumane<T extends z.ZodType>(schema: T, value: unknown) {
  return schema.safeParse(value, { reportInput: true, error: humane }) as z.ZodSafeParseResult<z.infer<T>>;
}
