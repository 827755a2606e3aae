import { afterEach, beforeEach, expect, test } from "bun:test";
import { ALICE, auth, BOB } from "@medusa/testing/fake-services";
import { testGateway, type TestGateway } from "../../test/test-gateway.ts";

let t: TestGateway;
beforeEach(() => (t = testGateway({ maxFileBytes: 10_000, storageQuotaBytes: 1000 })));
afterEach(() => t.close());

const put = (path: string, body: string | Uint8Array, headers: Record<string, string> = {}) => t.app.request(`/v1/files/${path}`, auth(ALICE.key, { method: "PUT", body, headers }));
const me = async (key = ALICE.key) => ((await (await t.app.request("/v1/me", auth(key))).json()) as { storage: Record<string, number> }).storage;

test("over the storage quota a PUT is a JSON 507 with the figures; /v1/me shows what is used, unfinished uploads included", async () => {
  expect((await put("a.bin", new Uint8Array(700))).status).toBe(201);
  const refused = await put("b.bin", new Uint8Array(400));
  expect(refused.status).toBe(507);
  expect(await refused.json()).toEqual({
    error: {
      code: "insufficient_storage",
      message: "storage quota of 1000 bytes exceeded: you store 700 bytes (files and unfinished uploads) and this upload would pass it; delete files to make room",
      details: { quotaBytes: 1000, usedBytes: 700 },
    },
  });
  // A resumable upload's first piece holds its place in the quota.
  const piece = await put("c.bin", new Uint8Array(200), { "content-range": "bytes 0-199/500" });
  expect(piece.status).toBe(308);
  expect(await me()).toEqual({ files: 1, fileBytes: 700, pendingUploads: 1, pendingBytes: 200, usedBytes: 900, quotaBytes: 1000 });
  const rest = await put("c.bin", new Uint8Array(300), { "content-range": "bytes 200-499/500" });
  expect(rest.status).toBe(507);
  expect(((await rest.json()) as any).error.code).toBe("insufficient_storage");
  expect((await me(BOB.key)).usedBytes).toBe(0);
  // Deleting makes room.
  expect((await t.app.request("/v1/files/a.bin", auth(ALICE.key, { method: "DELETE" }))).status).toBe(204);
  expect((await put("b.bin", new Uint8Array(900))).status).toBe(201);
});
