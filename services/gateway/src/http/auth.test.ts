import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { ALICE, auth, NODE } from "@medusa/testing/fake-services";
import { testGateway, type TestGateway } from "../../test/test-gateway.ts";

let t: TestGateway;
beforeEach(() => (t = testGateway()));
afterEach(() => t.close());

describe("consumer API credentials", () => {
  test("no credentials: 401", async () => {
    const res = await t.app.request("/v1/me");
    expect(res.status).toBe(401);
    expect(((await res.json()) as any).error.code).toBe("unauthorized");
  });

  test("an unknown token: 401", async () => {
    const res = await t.app.request("/v1/me", auth("not-a-key"));
    expect(res.status).toBe(401);
  });

  test("a malformed Authorization header: 401", async () => {
    const res = await t.app.request("/v1/me", { headers: { authorization: `Basic ${ALICE.key}` } });
    expect(res.status).toBe(401);
  });

  test("an API key works, by header or ?token=", async () => {
    const byHeader = await t.app.request("/v1/me", auth(ALICE.key));
    expect(byHeader.status).toBe(200);
    expect(((await byHeader.json()) as any).id).toBe(ALICE.id);
    const byQuery = await t.app.request(`/v1/me?token=${ALICE.key}`);
    expect(byQuery.status).toBe(200);
  });

  test("a node token on the consumer API: 403, reads and writes alike, and nothing reaches a service", async () => {
    for (const path of ["/v1/me", "/v1/me/ledger", "/v1/files", "/v1/jobs", "/v1/jobs/job_1", "/v1/nodes"]) {
      const res = await t.app.request(path, auth(NODE.token));
      expect(res.status, path).toBe(403);
    }
    const writes: Array<[string, string]> = [["POST", "/v1/jobs"], ["POST", "/v1/jobs/job_1/cancel"], ["POST", "/v1/nodes"], ["PUT", "/v1/files/x.txt"], ["DELETE", "/v1/files/x.txt"]];
    for (const [method, path] of writes) {
      const res = await t.app.request(path, auth(NODE.token, { method, body: "{}" }));
      expect(res.status, `${method} ${path}`).toBe(403);
    }
    for (const name of ["createJob", "getJob", "cancelJob", "registerNode", "getAccount", "ledgerPage"]) expect(t.fakes.calls[name], name).toBeUndefined();
  });

  test("a consumer key on the node socket: 403; none: 401", async () => {
    expect((await t.app.request("/v1/nodes/ws", auth(ALICE.key))).status).toBe(403);
    expect((await t.app.request("/v1/nodes/ws")).status).toBe(401);
  });

  test("positive answers are cached; unknown tokens are asked about every time", async () => {
    for (let i = 0; i < 3; i++) await t.app.request("/v1/me", auth(ALICE.key));
    expect(t.fakes.calls.verifyToken).toHaveLength(1);
    for (let i = 0; i < 2; i++) await t.app.request("/v1/me", auth("bad"));
    expect(t.fakes.calls.verifyToken).toHaveLength(3);
  });
});
