import { z } from "zod";
import { ErrorBody, ErrorCode, type Named, type Operation, type Reply } from "@medusa/core";

type JsonSchema = Record<string, unknown>;

const STATUS_TEXT: Record<number, string> = {
  400: "Bad input: the message names the field",
  401: "No credentials, or not valid ones",
  402: "Not enough credits",
  403: "Not allowed",
  404: "No such thing, or not the caller's",
  409: "Not in a state that allows it",
  410: "Deleted on purpose (past its retention)",
  413: "Body over its cap",
  415: "A JSON body not sent as application/json",
  416: "Range not satisfiable",
  422: "Not supported here",
  429: "Too many requests",
  500: "Internal error: the message names the request id, never what broke",
  503: "A service is unavailable",
  504: "A service did not answer in time",
  507: "Storage quota full",
};

/** Builds the OpenAPI 3.1 document from the operation tables. */
export function openApiDocument(operations: Record<string, Operation>, info: { version: string }) {
  const schemas: Record<string, JsonSchema> = {};
  const owners = new Map<string, { schema: z.ZodType; io: string }>();
  const component = (n: Named, io: "input" | "output") => {
    const owner = owners.get(n.name);
    if (owner && (owner.schema !== n.schema || owner.io !== io)) throw new Error(`${n.name}: two schemas (or one as input and output) under one name in the API tables`);
    owners.set(n.name, { schema: n.schema, io });
    schemas[n.name] ??= jsonSchema(n.schema, io);
    return { $ref: `#/components/schemas/${n.name}` };
  };
  schemas.Error = { type: "object", properties: { error: jsonSchema(ErrorBody, "output") }, required: ["error"] };

  const paths: Record<string, Record<string, unknown>> = {};
  for (const [name, op] of Object.entries(operations)) {
    const parameters = [...pathParameters(op), ...queryParameters(op)];
    const errorStatuses = new Set([...(op.errors ?? []), 500]);
    if (op.query || op.body || parameters.length) errorStatuses.add(400);
    if (op.auth === "account" || op.auth === "node") errorStatuses.add(401);
    if (op.body && "json" in op.body) [413, 415].forEach((s) => errorStatuses.add(s));
    const responses: Record<string, unknown> = {};
    for (const [status, reply] of Object.entries(op.responses)) responses[status] = response(reply, component);
    for (const status of [...errorStatuses].sort()) {
      responses[String(status)] = { description: STATUS_TEXT[status] ?? "Error", content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } } };
    }
    (paths[op.path] ??= {})[op.method] = {
      operationId: name,
      tags: [op.tag],
      summary: op.summary,
      ...(op.description ? { description: op.description } : {}),
      ...(op.auth === "account" ? { security: [{ apiKey: [] }] } : op.auth === "node" ? { security: [{ nodeToken: [] }] } : op.auth === "optional" ? { security: [{}, { apiKey: [] }] } : { security: [] }),
      ...(parameters.length ? { parameters } : {}),
      ...(op.body ? { requestBody: requestBody(op.body, component) } : {}),
      responses,
    };
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Medusa API",
      version: info.version,
      description: `Distributed computing for the public. Errors are \`{"error": {code, message, details?}}\`; codes: ${Object.keys(ErrorCode).join(", ")}.`,
    },
    servers: [{ url: "/" }],
    paths,
    components: {
      schemas,
      securitySchemes: {
        apiKey: { type: "http", scheme: "bearer", description: "An account's API key (from sign-up) or a login token" },
        nodeToken: { type: "http", scheme: "bearer", description: "A node's token (from POST /v1/nodes or an activation code)" },
      },
    },
  };
}

export type OpenApiDocument = ReturnType<typeof openApiDocument>;

function jsonSchema(schema: z.ZodType, io: "input" | "output"): JsonSchema {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: "any" }) as JsonSchema;
  return rest;
}

function pathParameters(op: Operation) {
  return [...op.path.matchAll(/\{(\w+)\}/g)].map(([, name]) => ({ name, in: "path", required: true, schema: { type: "string" }, ...(op.params?.[name!] ? { description: op.params[name!] } : {}) }));
}

function queryParameters(op: Operation) {
  if (!op.query) return [];
  return Object.entries(op.query.shape).map(([name, field]) => {
    const schema = jsonSchema(field as z.ZodType, "input");
    return { name, in: "query", required: !(field as z.ZodType).safeParse(undefined).success, schema, ...(schema.description ? { description: schema.description } : {}) };
  });
}

function requestBody(body: NonNullable<Operation["body"]>, component: (n: Named, io: "input") => unknown) {
  if ("json" in body) return { required: true, content: { "application/json": { schema: component(body.json, "input") } } };
  return { required: true, description: body.description, content: { [body.raw]: { schema: { type: "string", contentMediaType: body.raw } } } };
}

function response(reply: Reply, component: (n: Named, io: "output") => unknown) {
  const content: Record<string, unknown> = {};
  if (reply.json) content["application/json"] = { schema: "name" in reply.json ? component(reply.json, "output") : jsonSchema(reply.json, "output") };
  for (const [type, description] of Object.entries(reply.other ?? {})) content[type] = { schema: { type: "string", description } };
  return {
    description: reply.description,
    ...(Object.keys(content).length ? { content } : {}),
    ...(reply.headers ? { headers: Object.fromEntries(Object.entries(reply.headers).map(([h, d]) => [h, { description: d, schema: { type: "string" } }])) } : {}),
  };
}
