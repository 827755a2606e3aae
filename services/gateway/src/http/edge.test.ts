import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { MedusaError, serve, subjects } from "@medusa/core";
import { ALICE, auth, jsonInit } from "@medusa/testing/fake-services";
import { testGateway, type TestGateway } from "../../test/test-gateway.ts";

/** What leaves the gateway when the request was wrong, and when something inside was. */
let t: TestGateway;
beforeEach(() => (t = testGateway()));
afterEach(() => t.close());

const errorOf = async (res: Response) => ((await res.json()) as { error: { code: string; message: string; details?: any } }).error;
const python = { runtime: "python", source: "def map(x):\n    return x\n" };

describe("request bodies", () => {
  test("a POST that is not JSON is 415 in the error shape, before anything is read or called", async () => {
    const bodies: Array<[Record<string, string>, string]> = [
      [{ "content-type": "text/plain" }, "{}"],
      [{ "content-type": "application/x-www-form-urlencoded" }, "email=a%40example.com&password=password1"],
      [{}, '{"email":"a@example.com","password":"password1"}'],
    ];
    for (const [headers, body] of bodies) {
      const res = await t.app.request("/v1/accounts", { method: "POST", headers, body });
      expect(res.status, JSON.stringify(headers)).toBe(415);
      const error = await errorOf(res);
      expect(error.code).toBe("unsupported_media_type");
      expect(error.message).toStartWith("send the body as JSON with Content-Type: application/json");
    }
    expect(t.fakes.calls.createAccount).toBeUndefined();
  });

  test("JSON with parameters or a +json type is JSON; file uploads take any body", async () => {
    const ok = await t.app.request("/v1/accounts", { method: "POST", headers: { "content-type": "application/json; charset=utf-8" }, body: '{"email":"a@example.com","password":"password1"}' });
    expect(ok.status).toBe(201);
    const vendor = await t.app.request("/v1/jobs", auth(ALICE.key, { method: "POST", headers: { "content-type": "application/vnd.medusa+json" }, body: JSON.stringify({ program: python, input: { items: [1] } }) }));
    expect(vendor.status).toBe(202);
    const upload = await t.app.request("/v1/files/a.csv", auth(ALICE.key, { method: "PUT", headers: { "content-type": "text/csv" }, body: "a,b\n" }));
    expect(upload.status).toBe(201);
  });
});

describe("validation errors name the deepest field", () => {
  test("a union input names the branch the body meant: input.range.stop, not input", async () => {
    const res = await t.app.request("/v1/jobs", jsonInit(ALICE.key, { program: python, input: { range: { start: 0, stop: "ten" } } }));
    expect(res.status).toBe(400);
    const error = await errorOf(res);
    expect(error.message).toBe("input.range.stop: expected a number");
    expect(error.details.issues).toEqual([{ field: "input.range.stop", message: "expected a number" }]);
    const file = await errorOf(await t.app.request("/v1/jobs", jsonInit(ALICE.key, { program: python, input: { file: "a.txt", format: "csv" } })));
    expect(file.message).toStartWith("input.format: ");
    const none = await errorOf(await t.app.request("/v1/jobs", jsonInit(ALICE.key, { program: python, input: { url: "http://x" } })));
    expect(none.message).toBe("input: expected one of the fields file, files, items, range");
    const missing = await errorOf(await t.app.request("/v1/jobs", jsonInit(ALICE.key, { program: python })));
    expect(missing.message).toBe("input: required");
  });

  test("a query value that is not a number says so in words, not NaN", async () => {
    const res = await t.app.request("/v1/jobs?limit=abc", auth(ALICE.key));
    expect(res.status).toBe(400);
    const error = await errorOf(res);
    expect(error.message).toBe("limit: expected a number");
    expect(JSON.stringify(error)).not.toContain("NaN");
  });
});

describe("5xx answers are sealed", () => {
  test("a service's 503 keeps its code and says try again, not which subject failed or why", async () => {
    t.fakes.close();
    // The only listJobs responder now fails the way a dying replica would.
    const s = serve(t.bus, subjects.verifyToken, () => ({ principal: { kind: "account" as const, accountId: ALICE.id } }));
    const down = serve(t.bus, subjects.listJobs, () => {
      throw new MedusaError("unavailable", "redis at 10.0.0.7:6379 refused the connection");
    });
    const res = await t.app.request("/v1/jobs", auth(ALICE.key));
    expect(res.status).toBe(503);
    const error = await errorOf(res);
    const requestId = res.headers.get("x-request-id");
    expect(error).toEqual({ code: "unavailable", message: `a service is unavailable; try again shortly (request ${requestId})`, details: { requestId } });
    s.subscription.unsubscribe();
    down.subscription.unsubscribe();
  });

  test("an error thrown in the gateway itself is logged with its stack under the request id the client sees", async () => {
    const lines: string[] = [];
    const g = testGateway({ log: (line: string) => lines.push(line) });
    try {
      g.gateway.app.get("/boom", () => {
        throw new RangeError("offset 99 is past the buffer of /srv/medusa/secret.bin");
      });
      const res = await g.app.request("/boom");
      expect(res.status).toBe(500);
      const text = await res.text();
      expect(text).not.toContain("secret.bin");
      expect(text).not.toContain("RangeError");
      const requestId = res.headers.get("x-request-id")!;
      expect(JSON.parse(text).error).toEqual({ code: "internal", message: `internal error (request ${requestId})`, details: { requestId } });
      const logged = lines.find((l) => l.startsWith("request failed"))!;
      expect(logged).toContain(requestId);
      expect(logged).toContain("secret.bin");
      expect(logged).toContain("edge.test.ts");
    } finally {
      await g.close();
    }
  });
});
