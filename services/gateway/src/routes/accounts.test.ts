import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { FAKE_CONFIRM_TOKEN, jsonInit } from "@medusa/testing/fake-services";
import { testGateway, type TestGateway } from "../../test/test-gateway.ts";

let t: TestGateway;
beforeEach(() => (t = testGateway({ maxJsonBytes: 1024 })));
afterEach(() => t.close());

describe("POST /v1/accounts", () => {
  test("creates an account through the credits service: 201", async () => {
    const res = await t.app.request("/v1/accounts", jsonInit(null, { email: " A@Example.com ", password: "password1" }));
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ id: "acc_new", email: "a@example.com", apiKey: "key-new", credits: 100, confirmed: true });
    expect(t.fakes.calls.createAccount).toEqual([{ email: "a@example.com", password: "password1" }]);
  });

  test("malformed JSON is 400 bad_request and nothing is called", async () => {
    const res = await t.app.request("/v1/accounts", jsonInit(null, '{"email": "a@example.com",'));
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: { code: "bad_request", message: "body is not valid JSON" } });
    expect(t.fakes.calls.createAccount).toBeUndefined();
  });

  test("a wrong type is 400 naming the field", async () => {
    const res = await t.app.request("/v1/accounts", jsonInit(null, { email: "a@example.com", password: 12345678 }));
    expect(res.status).toBe(400);
    const body = (await res.json()) as any;
    expect(body.error.code).toBe("invalid_field");
    expect(body.error.message).toStartWith("password: ");
    expect(body.error.details.issues[0].field).toBe("password");
  });

  test("a short password is 400 naming password", async () => {
    const res = await t.app.request("/v1/accounts", jsonInit(null, { email: "a@example.com", password: "short" }));
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).error.message).toBe("password: password must be at least 8 characters");
  });

  test("a body over the cap is 413, declared or streamed", async () => {
    const huge = JSON.stringify({ email: "a@example.com", password: "x".repeat(4000) });
    const declared = await t.app.request("/v1/accounts", jsonInit(null, huge));
    expect(declared.status).toBe(413);
    expect(((await declared.json()) as any).error.code).toBe("payload_too_large");

    const bytes = new TextEncoder().encode(huge);
    const streamed = new ReadableStream({
      start(c) {
        for (let i = 0; i < bytes.length; i += 500) c.enqueue(bytes.slice(i, i + 500));
        c.close();
      },
    });
    const res = await t.app.request("/v1/accounts", { method: "POST", body: streamed, headers: { "content-type": "application/json" } });
    expect(res.status).toBe(413);
    expect(t.fakes.calls.createAccount).toBeUndefined();
  });
});

describe("GET /v1/accounts/confirm", () => {
  test("the link's token confirms through the credits service; a missing one is 400, an unknown one 404", async () => {
    const ok = await t.app.request(`/v1/accounts/confirm?token=${FAKE_CONFIRM_TOKEN}`);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ id: "acc_new", confirmed: true });
    const missing = await t.app.request("/v1/accounts/confirm");
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as any).error.code).toBe("invalid_field");
    expect((await t.app.request("/v1/accounts/confirm?token=ct_forged")).status).toBe(404);
  });
});

describe("POST /v1/auth/login", () => {
  test("returns the token", async () => {
    const res = await t.app.request("/v1/auth/login", jsonInit(null, { email: "a@example.com", password: "password1" }));
    expect(res.status).toBe(200);
    expect(((await res.json()) as any).token).toBe("login-token");
  });

  test("the service's error code becomes the status: wrong password is 401", async () => {
    const res = await t.app.request("/v1/auth/login", jsonInit(null, { email: "a@example.com", password: "nope" }));
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: { code: "unauthorized", message: "wrong email or password" } });
  });
});

test("GET /healthz needs no credentials", async () => {
  const res = await t.app.request("/healthz");
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual({ ok: true });
});

test("an unknown route is a JSON 404", async () => {
  const res = await t.app.request("/v1/nope");
  expect(res.status).toBe(404);
  expect(((await res.json()) as any).error.code).toBe("not_found");
});
