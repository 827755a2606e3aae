import { describe, expect, test } from "bun:test";
import { z } from "zod";
import { JobSpec } from "./api.ts";
import { MedusaError } from "./errors.ts";
import { parseOrThrow } from "./validation.ts";

const failure = (schema: z.ZodType, value: unknown, where?: string) => {
  try {
    parseOrThrow(schema, value, where);
  } catch (err) {
    expect(err).toBeInstanceOf(MedusaError);
    return err as MedusaError;
  }
  throw new Error("parsed");
};

describe("validation errors", () => {
  const spec = (input: unknown) => ({ program: { runtime: "python", source: "x" }, input });

  test("a union picks the branch whose key the input has, and names its deepest field", () => {
    expect(failure(JobSpec, spec({ range: { start: 0, stop: "ten" } })).message).toBe("input.range.stop: expected a number");
    expect(failure(JobSpec, spec({ range: { start: 0, stop: 5, step: 0.5 } })).message).toBe("input.range.step: expected a whole number");
    expect(failure(JobSpec, spec({ items: "abc" })).message).toBe("input.items: expected an array");
    expect(failure(JobSpec, spec({ range: { start: 0 } })).message).toBe("input.range.stop: required");
  });

  test("unions inside unions resolve all the way down", () => {
    const Inner = z.union([z.object({ a: z.number() }).strict(), z.object({ b: z.string() }).strict()]);
    const Outer = z.union([z.object({ x: Inner }).strict(), z.object({ y: z.boolean() }).strict()]);
    expect(failure(Outer, { x: { b: 7 } }).message).toBe("x.b: expected a string");
  });

  test("when no branch fits, it says which keys would; when several do, zod's word stands", () => {
    expect(failure(JobSpec, spec({ url: "http://x" })).message).toBe("input: expected one of the fields file, files, items, range");
    expect(failure(JobSpec, spec({ items: [], range: { stop: 1 } })).message).toStartWith("input: ");
    expect(failure(z.union([z.number(), z.string()]), true, "value").message).toBe("value: Invalid input");
  });

  test("a schema's own message is kept, a missing field is required, a coerced NaN is a number expected", () => {
    expect(failure(JobSpec, { ...spec({ items: [1] }), replicas: "many" }).message).toBe('replicas: replicas must be a whole number from 1 to 5, or "auto"');
    expect(failure(JobSpec, { program: { runtime: "python", source: "x" } }).message).toBe("input: required");
    const Query = z.object({ limit: z.coerce.number().int().min(1) });
    const err = failure(Query, { limit: "abc" }, "query");
    expect(err.message).toBe("limit: expected a number");
    expect(err.details).toEqual({ issues: [{ field: "limit", message: "expected a number" }] });
  });
});
