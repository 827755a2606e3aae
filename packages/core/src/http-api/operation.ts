import type { z } from "zod";

/**
 * One API route as the OpenAPI document shows it. The schemas are the very
 * ones the route parses with (or answers from), so the document cannot drift
 * from what the gateway accepts. To document a new route, add an entry to one
 * of the tables beside this file (accounts.ts, jobs.ts, nodes.ts), under the
 * name the document and the client call it by; the gateway's test checks
 * every route it mounts has one.
 */
export interface Operation {
  method: "get" | "post" | "put" | "delete";
  /** OpenAPI form: `/v1/jobs/{id}`. */
  path: string;
  tag: string;
  summary: string;
  description?: string;
  /** Who may call: an account's API key or login token, a node's token, anyone, or anyone with more for an account. */
  auth: "account" | "node" | "none" | "optional";
  query?: z.ZodObject;
  /** Path parameters' descriptions, by name (each `{name}` in `path` is a string). */
  params?: Record<string, string>;
  body?: Body;
  /** Success answers by status. */
  responses: Record<number, Reply>;
  /** Error statuses beyond those `auth`, `query` and `body` imply (400, 401, 413, 415). */
  errors?: readonly number[];
}

/** A schema with the name it takes under `components.schemas`. */
export interface Named<S extends z.ZodType = z.ZodType> {
  name: string;
  schema: S;
}

export type Body = { json: Named } | { raw: string; description: string };

export interface Reply {
  description: string;
  json?: Named | z.ZodType;
  /** Anything but one JSON value: content type → description (its schema is a string of that type). */
  other?: Record<string, string>;
  headers?: Record<string, string>;
}

export const named = <S extends z.ZodType>(name: string, schema: S) => ({ name, schema });
