import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { sha256Hex } from "@medusa/core";
import { ALICE, auth, BOB } from "@medusa/testing/fake-services";
import { testGateway, type TestGateway } from "../../test/test-gateway.ts";

let t: TestGateway;
beforeEach(() => (t = testGateway({ maxFileBytes: 1000 })));
afterEach(() => t.close());

const piece = (path: string, range: string, body?: RequestInit["body"], key = ALICE.key) =>
  t.app.request(`/v1/files/${path}`, auth(key, { method: "PUT", headers: { "content-range": range }, ...(body === undefined ? {} : { body }) }));
const listed = async (key = ALICE.key) => ((await (await t.app.request("/v1/files", auth(key))).json()) as { files: { path: string }[] }).files.map((f) => f.path);

/** Delivers `text`, then fails like a connection dropped mid-body. */
const dropsAfter = (text: string) =>
  new ReadableStream<Uint8Array>({
    start(c) {
      c.enqueue(new TextEncoder().encode(text));
    },
    pull(c) {
      c.error(new Error("connection reset by peer"));
    },
  });

describe("resumable uploads (PUT with Content-Range)", () => {
  test("pieces answer 308 with the Range received; the last one 201; nothing shows until then", async () => {
    const first = await piece("data/in.txt", "bytes 0-3/10", "abcd");
    expect(first.status).toBe(308);
    expect(first.headers.get("range")).toBe("bytes=0-3");
    expect(await first.json()).toEqual({ path: "data/in.txt", offset: 4, size: 10 });

    expect(await listed()).toEqual([]);
    expect((await t.app.request("/v1/files/data/in.txt", auth(ALICE.key))).status).toBe(404);

    const asked = await piece("data/in.txt", "bytes */10");
    expect(asked.status).toBe(308);
    expect(asked.headers.get("range")).toBe("bytes=0-3");

    const last = await piece("data/in.txt", "bytes 4-9/10", "efghij");
    expect(last.status).toBe(201);
    expect(await last.json()).toEqual({ path: "data/in.txt", size: 10, sha256: sha256Hex("abcdefghij") });
    expect(await listed()).toEqual(["data/in.txt"]);
    expect(await (await t.app.request("/v1/files/data/in.txt", auth(ALICE.key))).text()).toBe("abcdefghij");
    // Asked again after the answer was lost, the finished file says so.
    const again = await piece("data/in.txt", "bytes */10");
    expect(again.status).toBe(200);
    expect(((await again.json()) as { sha256: string }).sha256).toBe(sha256Hex("abcdefghij"));
  });

  test("a piece cut off mid-body keeps what arrived, and the upload resumes from there", async () => {
    const cut = await piece("cut.bin", "bytes 0-9/10", dropsAfter("01234"));
    expect(cut.status).toBe(500);
    const asked = await piece("cut.bin", "bytes */10");
    expect(asked.status).toBe(308);
    expect(asked.headers.get("range")).toBe("bytes=0-4");
    expect(await listed()).toEqual([]);
    expect((await piece("cut.bin", "bytes 5-9/10", "56789")).status).toBe(201);
    expect(await (await t.app.request("/v1/files/cut.bin", auth(ALICE.key))).text()).toBe("0123456789");
  });

  test("an incomplete upload is no job input", async () => {
    await piece("in.txt", "bytes 0-1/4", "1\n");
    const res = await t.app.request(
      "/v1/jobs",
      auth(ALICE.key, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ program: { runtime: "python", source: "def map(x):\n    return x\n" }, input: { file: "in.txt", format: "lines" } }) }),
    );
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).error.message).toContain("no file named in.txt");
  });

  test("a piece that does not start where the upload stands is 409 naming the offset", async () => {
    await piece("gap", "bytes 0-2/9", "abc");
    const res = await piece("gap", "bytes 5-8/9", "fghi");
    expect(res.status).toBe(409);
    expect(((await res.json()) as any).error).toMatchObject({ code: "conflict", details: { offset: 3 } });
    // Starting at 0 again is always allowed, and a piece may overlap what arrived.
    expect((await piece("gap", "bytes 1-8/9", "bcdefghi")).status).toBe(201);
  });

  test("a total over the cap is the JSON 413 naming the limit, before any byte is kept", async () => {
    const res = await piece("huge", "bytes 0-9/1001", "0123456789");
    expect(res.status).toBe(413);
    expect(((await res.json()) as any).error).toEqual({ code: "payload_too_large", message: "file is over the limit of 1000 bytes", details: { maxBytes: 1000 } });
    expect((await piece("huge", "bytes */1001")).status).toBe(413);
    // With the total left open, the cap still holds for the bytes themselves.
    expect((await piece("open", "bytes 0-599/*", "x".repeat(600))).status).toBe(308);
    expect((await piece("open", "bytes 600-1199/*", "x".repeat(600))).status).toBe(413);
    // It can never complete, so nothing of it is kept.
    expect((await piece("open", "bytes */*")).headers.get("range")).toBeNull();
  });

  test("malformed ranges and a body longer than its range are 400 naming the header", async () => {
    for (const range of ["bytes=0-3/10", "bytes 4-3/10", "bytes 0-10/10", "items 0-1/2", "bytes */*x"]) {
      const res = await piece("bad", range, "abcd");
      expect(res.status, range).toBe(400);
      expect(((await res.json()) as any).error.message).toStartWith("content-range: ");
    }
    const long = await piece("bad", "bytes 0-1/10", new ReadableStream({ start: (c) => (c.enqueue(new TextEncoder().encode("abcd")), c.close()) }));
    expect(long.status).toBe(400);
  });

  test("DELETE drops an unfinished upload; other accounts never see it", async () => {
    await piece("mine", "bytes 0-1/4", "ab");
    expect((await piece("mine", "bytes */4", undefined, BOB.key)).headers.get("range")).toBeNull();
    expect((await t.app.request("/v1/files/mine", auth(BOB.key, { method: "DELETE" }))).status).toBe(404);
    expect((await t.app.request("/v1/files/mine", auth(ALICE.key, { method: "DELETE" }))).status).toBe(204);
    expect((await piece("mine", "bytes */4")).headers.get("range")).toBeNull();
  });

  test("GET with Range: bytes=<n>- resumes a download", async () => {
    await t.app.request("/v1/files/r.txt", auth(ALICE.key, { method: "PUT", body: "0123456789" }));
    const res = await t.app.request("/v1/files/r.txt", auth(ALICE.key, { headers: { range: "bytes=6-" } }));
    expect(res.status).toBe(206);
    expect(res.headers.get("content-range")).toBe("bytes 6-9/10");
    expect(await res.text()).toBe("6789");
    expect((await t.app.request("/v1/files/r.txt", auth(ALICE.key, { headers: { range: "bytes=10-" } }))).status).toBe(416);
  });
});
