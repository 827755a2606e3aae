import { afterEach, beforeEach, expect, test } from "bun:test";
import { ALICE, auth, NODE } from "@medusa/testing/fake-services";
import { testGateway, type TestGateway } from "../../test/test-gateway.ts";

let t: TestGateway;
beforeEach(() => (t = testGateway()));
afterEach(() => t.close());

test("GET /v1/nodes/me gives a node token its own node's totals, and nothing to an account key", async () => {
  const res = await t.app.request("/v1/nodes/me", auth(NODE.token));
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual({ nodeId: NODE.id, name: "laptop", chunksDone: 7, creditsEarned: 3.5, createdAt: "2025-01-01T00:00:00.000Z" });
  expect((await t.app.request("/v1/nodes/me", auth(ALICE.key))).status).toBe(403);
  expect((await t.app.request("/v1/nodes/me")).status).toBe(401);
});

test("a node its owner no longer lists is 404", async () => {
  t.fakes.principals.set("orphan-token", { kind: "node", nodeId: "node_gone", ownerId: ALICE.id });
  const res = await t.app.request("/v1/nodes/me", auth("orphan-token"));
  expect(res.status).toBe(404);
});
