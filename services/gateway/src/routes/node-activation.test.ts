import { afterEach, describe, expect, test } from "bun:test";
import { ALICE, auth, FAKE_ACTIVATION_CODE, NODE } from "@medusa/testing/fake-services";
import { listen, testGateway, type TestGateway } from "../../test/test-gateway.ts";

let t: TestGateway | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const json = (body: unknown, init: RequestInit = {}): RequestInit => ({ ...init, method: "POST", headers: { "content-type": "application/json", ...(init.headers as Record<string, string>) }, body: JSON.stringify(body) });
const activate = (code: unknown) => t!.app.request("/v1/nodes/activate", json({ code }));

describe("node activation over HTTP", () => {
  test("an account asks for a code; the node, with no account, trades it for its token", async () => {
    t = testGateway();
    const res = await t.app.request("/v1/nodes/activation-codes", auth(ALICE.key, json({ name: "lab pc" })));
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ code: FAKE_ACTIVATION_CODE, name: "lab pc" });
    expect(t.fakes.calls.createNodeActivation).toEqual([{ ownerId: ALICE.id, name: "lab pc" }]);

    const node = await activate(FAKE_ACTIVATION_CODE);
    expect(node.status).toBe(201);
    expect(await node.json()).toEqual({ nodeId: "node_activated", nodeToken: "token-activated", name: "activated pc" });
  });

  test("asking for a code needs an account; a node token will not do", async () => {
    t = testGateway();
    expect((await t.app.request("/v1/nodes/activation-codes", json({ name: "pc" }))).status).toBe(401);
    expect((await t.app.request("/v1/nodes/activation-codes", auth(NODE.token, json({ name: "pc" })))).status).toBe(403);
    expect(t.fakes.calls.createNodeActivation).toBeUndefined();
  });

  test("a malformed code is a 400 naming the field, before anyone is asked", async () => {
    t = testGateway();
    for (const code of [undefined, 42, "short", "x".repeat(100)]) {
      const res = await activate(code);
      expect(res.status).toBe(400);
      expect(((await res.json()) as any).error.details.issues[0].field).toBe("code");
    }
    expect(t.fakes.calls.activateNode).toBeUndefined();
  });

  test("wrong codes are capped per client; right ones do not count; past the cap even a right one waits", async () => {
    t = testGateway({ activationGuesses: { windowMs: 60_000, perClient: 3, total: 100 } });
    const server = listen(t);
    const base = `http://127.0.0.1:${server.server.port}`;
    const post = (code: string) => fetch(`${base}/v1/nodes/activate`, json({ code }));
    try {
      expect((await post(FAKE_ACTIVATION_CODE)).status).toBe(201);
      for (let i = 0; i < 3; i++) expect((await post("ZZZZZ-ZZZZZ")).status).toBe(400);
      const refused = await post(FAKE_ACTIVATION_CODE);
      expect(refused.status).toBe(429);
      expect(((await refused.json()) as any).error).toMatchObject({ code: "rate_limited", message: expect.stringContaining("too many wrong codes") });
      expect(t.fakes.calls.activateNode).toHaveLength(4);
    } finally {
      server.server.stop(true);
    }
  });

  test("the whole gateway has a cap too, for guessers with many addresses", async () => {
    t = testGateway({ activationGuesses: { windowMs: 60_000, perClient: 100, total: 2 } });
    expect((await activate("ZZZZZ-ZZZZZ")).status).toBe(400);
    expect((await activate("YYYYY-YYYYY")).status).toBe(400);
    const res = await activate("XXXXX-XXXXX");
    expect(res.status).toBe(429);
    expect(await res.text()).toContain("at this gateway");
  });
});
