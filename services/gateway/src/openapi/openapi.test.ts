import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Validator } from "@seriousme/openapi-schema-validator";
import { limits } from "@medusa/core";
import { testGateway, type TestGateway } from "../../test/test-gateway.ts";
import { SITE_PATHS } from "../site/site.ts";

let t: TestGateway;
let doc: any;
beforeAll(async () => {
  t = testGateway();
  const res = await t.app.request("/v1/openapi.json");
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toBe("application/json");
  doc = await res.json();
});
afterAll(() => t.close());

/** The site's HTML pages and static files are not API: every other route the gateway mounts is. */
const NOT_API = new Set<string>([...SITE_PATHS, "/assets/:name{.+}", "/docs/assets/:name"]);
const openApiPath = (honoPath: string) => honoPath.replace(/:(\w+)(\{[^}]*\})?/g, "{$1}");

describe("GET /v1/openapi.json", () => {
  test("is a valid OpenAPI 3.1 document", async () => {
    const result = await new Validator().validate(doc);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(doc.openapi).toBe("3.1.0");
  });

  test("documents every route the gateway mounts, and nothing it does not", () => {
    const mounted = new Set(t.app.routes.filter((r) => r.method !== "ALL" && !NOT_API.has(r.path)).map((r) => `${r.method.toLowerCase()} ${openApiPath(r.path)}`));
    const documented = new Set(Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops as object).map((m) => `${m} ${path}`)));
    expect([...mounted].filter((r) => !documented.has(r))).toEqual([]);
    expect([...documented].filter((r) => !mounted.has(r))).toEqual([]);
    expect(mounted.size).toBeGreaterThan(30);
  });

  test("its schemas are the ones the routes parse with", () => {
    const spec = doc.components.schemas.JobSpec;
    expect(spec.properties.chunkSize).toMatchObject({ type: "integer", maximum: limits.chunkSize, default: 100 });
    expect(spec.required).toEqual(expect.arrayContaining(["program", "input"]));
    const results = doc.paths["/v1/jobs/{id}/results"].get;
    expect(results.parameters.map((p: any) => p.name)).toEqual(["id", "wait", "partial", "offset"]);
    expect(Object.keys(results.responses["200"].content)).toEqual(["application/json", "application/x-ndjson"]);
    const submit = doc.paths["/v1/jobs"].post;
    expect(submit.requestBody.content["application/json"].schema).toEqual({ $ref: "#/components/schemas/JobSpec" });
    expect(Object.keys(submit.responses)).toEqual(expect.arrayContaining(["200", "202", "400", "401", "402", "413", "415", "500"]));
    // Submit and wait: `wait` in the query, the job's status with its results when it ended within it.
    expect(submit.parameters.map((p: any) => p.name)).toEqual(["wait"]);
    expect(submit.responses["200"].content["application/json"].schema).toEqual({ $ref: "#/components/schemas/JobRun" });
    expect(Object.keys(doc.components.schemas.JobRun.properties)).toEqual(expect.arrayContaining(["id", "state", "chunks", "results", "reduce"]));
    expect(submit.security).toEqual([{ apiKey: [] }]);
    expect(doc.paths["/v1/accounts"].post.security).toEqual([]);
    expect(doc.components.schemas.Error.properties.error.required).toEqual(["code", "message"]);
  });

  test("every $ref points at a schema the document has", () => {
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1]!);
    expect(refs.length).toBeGreaterThan(20);
    for (const ref of refs) expect(doc.components.schemas[ref], ref).toBeDefined();
  });
});

describe("GET /docs", () => {
  test("a page that loads only the gateway's own files", async () => {
    const res = await t.app.request("/docs");
    expect(res.status).toBe(200);
    const html = await res.text();
    const sources = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(sources).toEqual(["/docs/assets/swagger-ui.css", "/docs/assets/swagger-ui-bundle.js", "/docs/assets/init.js"]);
    for (const src of sources) {
      const asset = await t.app.request(src);
      expect(asset.status, src).toBe(200);
      expect((await asset.text()).length, src).toBeGreaterThan(50);
    }
    expect(res.headers.get("content-security-policy")).toContain("default-src 'none'");
    expect((await t.app.request("/docs/assets/../../package.json")).status).toBe(404);
  });
});
