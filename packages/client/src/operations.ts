import type { z } from "zod";
import { apiOperations, type ApiOperations, type OperationName } from "@medusa/core";
import { ApiError } from "./api-error.ts";

/**
 * The API's routes as typed calls: arguments and answers are inferred from
 * the table the gateway serves and documents (`apiOperations` in core), so a
 * route's path, query, body and reply type come from one place.
 */
type Op<N extends OperationName> = ApiOperations[N];
/** A request body sent as it is (a file upload). */
export type RawBody = NonNullable<RequestInit["body"]>;

type ParamNames<P extends string> = P extends `${string}{${infer K}}${infer Rest}` ? K | ParamNames<Rest> : never;
type PathArgs<N extends OperationName> = [ParamNames<Op<N>["path"]>] extends [never] ? { path?: undefined } : { path: Record<ParamNames<Op<N>["path"]>, string> };
type QueryArgs<N extends OperationName> = Op<N> extends { query: infer Q extends z.ZodType } ? { query?: Partial<z.input<Q>> } : { query?: undefined };
type BodyArgs<N extends OperationName> = Op<N> extends { body: { json: { schema: infer S extends z.ZodType } } }
  ? { body: z.input<S> }
  : Op<N> extends { body: { raw: string } }
    ? { body: RawBody }
    : { body?: undefined };

export type CallArgs<N extends OperationName> = PathArgs<N> & QueryArgs<N> & BodyArgs<N> & { headers?: Record<string, string> };

type JsonOf<R> = R extends { json: { schema: infer S extends z.ZodType } } ? z.output<S> : R extends { json: infer S extends z.ZodType } ? z.output<S> : never;
/** What a route answers on success, as its table entry's schemas say. */
export type Reply<N extends OperationName> = Op<N> extends { responses: infer R } ? JsonOf<R[keyof R]> : never;

export function operationUrl<N extends OperationName>(base: string, name: N, args: { path?: Record<string, string>; query?: Record<string, unknown> }): string {
  const op = apiOperations[name];
  const path = op.path.replace(/\{(\w+)\}/g, (_, key: string) => {
    const value = args.path?.[key];
    if (value === undefined) throw new TypeError(`${name}: path parameter ${key} is missing`);
    // A file path keeps its slashes; every other character is escaped.
    return value.split("/").map(encodeURIComponent).join("/");
  });
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(args.query ?? {})) if (value !== undefined) query.set(key, String(value));
  return `${base}${path}${query.size ? `?${query}` : ""}`;
}

/** Sends the route's request; a non-2xx answer throws ApiError. The Response is the caller's to read. */
export async function send<N extends OperationName>(base: string, auth: string | undefined, name: N, args: CallArgs<N>, init: RequestInit = {}): Promise<Response> {
  const op = apiOperations[name];
  const headers: Record<string, string> = { ...args.headers };
  if (auth) headers.authorization = `Bearer ${auth}`;
  let body: RawBody | undefined;
  if (args.body !== undefined) {
    const json = "body" in op && "json" in op.body;
    if (json) headers["content-type"] = "application/json";
    body = json ? JSON.stringify(args.body) : (args.body as RawBody);
  }
  const res = await fetch(operationUrl(base, name, args as never), { ...init, method: op.method.toUpperCase(), headers, body });
  if (res.status >= 400) throw await ApiError.of(res);
  return res;
}

/** The route's JSON answer, checked against the schema its table entry names. */
export async function callJson<N extends OperationName>(base: string, auth: string | undefined, name: N, args: CallArgs<N>): Promise<Reply<N>> {
  const res = await send(base, auth, name, args);
  const op = apiOperations[name];
  const reply = (op.responses as Record<number, { json?: { schema?: z.ZodType } | z.ZodType }>)[res.status];
  const schema = reply?.json && "schema" in reply.json ? reply.json.schema : (reply?.json as z.ZodType | undefined);
  const data: unknown = await res.json();
  return (schema ? schema.parse(data) : data) as Reply<N>;
}
