import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { sha256Hex } from "@medusa/core";
import { ALICE, auth, BOB } from "@medusa/testing/fake-services";
import { testGateway, type TestGateway } from "../../test/test-gateway.ts";

let t: TestGateway;
beforeEach(() => (t = testGateway({ maxFileBytes: 1000 })));
afterEach(() => t.close());

const put = (key: string, path: string, body: string | Uint8Array | ReadableStream) => t.app.request(`/v1/files/${path}`, auth(key, { method: "PUT", body }));

describe("files", () => {
  test("round trip: put, get, list, delete", async () => {
    const res = await put(ALICE.key, "data/in.txt", "one\ntwo\n");
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ path: "data/in.txt", size: 8, sha256: sha256Hex("one\ntwo\n") });

    const got = await t.app.request("/v1/files/data/in.txt", auth(ALICE.key));
    expect(got.status).toBe(200);
    expect(await got.text()).toBe("one\ntwo\n");

    await put(ALICE.key, "a.wasm", new Uint8Array([0, 97, 115, 109]));
    const list = await t.app.request("/v1/files", auth(ALICE.key));
    expect(await list.json()).toEqual({
      files: [
        { path: "a.wasm", size: 4, sha256: sha256Hex(new Uint8Array([0, 97, 115, 109])) },
        { path: "data/in.txt", size: 8, sha256: sha256Hex("one\ntwo\n") },
      ],
    });

    expect((await t.app.request("/v1/files/data/in.txt", auth(ALICE.key, { method: "DELETE" }))).status).toBe(204);
    expect((await t.app.request("/v1/files/data/in.txt", auth(ALICE.key, { method: "DELETE" }))).status).toBe(404);
    expect((await t.app.request("/v1/files/data/in.txt", auth(ALICE.key))).status).toBe(404);
  });

  test("a file over the cap is 413 and leaves nothing behind, declared or streamed", async () => {
    expect((await put(ALICE.key, "big.bin", new Uint8Array(1001))).status).toBe(413);
    const stream = new ReadableStream({
      start(c) {
        for (let i = 0; i < 5; i++) c.enqueue(new Uint8Array(300));
        c.close();
      },
    });
    const res = await put(ALICE.key, "big.bin", stream);
    expect(res.status).toBe(413);
    expect(((await res.json()) as any).error.code).toBe("payload_too_large");
    expect(await (await t.app.request("/v1/files", auth(ALICE.key))).json()).toEqual({ files: [] });
  });

  test("one account never sees another's files", async () => {
    await put(ALICE.key, "secret.txt", "alice's");
    expect((await t.app.request("/v1/files/secret.txt", auth(BOB.key))).status).toBe(404);
    expect((await t.app.request("/v1/files/secret.txt", auth(BOB.key, { method: "DELETE" }))).status).toBe(404);
    expect(await (await t.app.request("/v1/files", auth(BOB.key))).json()).toEqual({ files: [] });
    await put(BOB.key, "secret.txt", "bob's");
    expect(await (await t.app.request("/v1/files/secret.txt", auth(ALICE.key))).text()).toBe("alice's");
  });

  test("path tricks are 400 naming path", async () => {
    const tricks = [
      "a%2F..%2F..%2F" + BOB.id + "%2Ffiles%2Fx", // .. hidden from URL normalisation
      "a%2F%2Fb", // empty segment
      "%2Fetc%2Fpasswd", // absolute
      "a%5Cb", // backslash
      "a%00b", // NUL
      "x".repeat(513),
      "y".repeat(201),
      "a/",
    ];
    for (const path of tricks) {
      const res = await put(ALICE.key, path, "x");
      expect(res.status, path).toBe(400);
      const body = (await res.json()) as any;
      expect(body.error.code).toBe("invalid_field");
      expect(body.error.message).toStartWith("path: ");
    }
    expect(await (await t.app.request("/v1/files", auth(ALICE.key))).json()).toEqual({ files: [] });
  });

  test("files need account credentials", async () => {
    expect((await t.app.request("/v1/files/a.txt", { method: "PUT", body: "x" })).status).toBe(401);
  });
});
