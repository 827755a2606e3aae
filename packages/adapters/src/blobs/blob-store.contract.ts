import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { MedusaError, type BlobStore } from "@medusa/core";

/**
 * One suite every BlobStore adapter must pass (the folder and the JetStream
 * object store): round trips, replacement, streaming, size caps, key checks,
 * blob/folder conflicts, listing and deletion. Adapter-specific behaviour
 * (symlinks, files edited by hand, memory use) stays in each adapter's tests.
 */
const sha = (data: string | Uint8Array) => createHash("sha256").update(data).digest("hex");
const text = (b: Uint8Array | null) => (b === null ? null : new TextDecoder().decode(b));

async function failure(p: Promise<unknown>): Promise<MedusaError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(MedusaError);
  return err as MedusaError;
}

function streamOf(parts: string[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(c) {
      for (const p of parts) c.enqueue(new TextEncoder().encode(p));
      c.close();
    },
  });
}

export function blobStoreContract(name: string, open: () => Promise<{ store: BlobStore; close(): Promise<void> }>) {
  describe(`${name}: blob store`, () => {
    let blobs: BlobStore;
    let close: () => Promise<void>;
    beforeEach(async () => ({ store: blobs, close } = await open()));
    afterEach(() => close());

    test("put/get/bytes/stat round trip for strings, bytes and streams", async () => {
      const a = await blobs.put("jobs/j1/input.txt", "hello\nworld\n");
      expect(a).toEqual({ key: "jobs/j1/input.txt", size: 12, sha256: sha("hello\nworld\n") });
      const b = await blobs.put("jobs/j1/raw", new Uint8Array([0, 1, 2, 255]));
      expect(b.sha256).toBe(sha(new Uint8Array([0, 1, 2, 255])));
      const c = await blobs.put("jobs/j1/streamed", streamOf(["ab", "", "cd", "é"]));
      expect(c).toEqual({ key: "jobs/j1/streamed", size: 6, sha256: sha("abcdé") });
      const empty = await blobs.put("jobs/j1/empty", "");
      expect(empty).toEqual({ key: "jobs/j1/empty", size: 0, sha256: sha("") });

      expect(text(await blobs.bytes("jobs/j1/input.txt"))).toBe("hello\nworld\n");
      expect([...(await blobs.bytes("jobs/j1/raw"))!]).toEqual([0, 1, 2, 255]);
      expect(await new Response(await blobs.get("jobs/j1/streamed")).text()).toBe("abcdé");
      expect(await new Response(await blobs.get("jobs/j1/empty")).text()).toBe("");
      expect(await blobs.stat("jobs/j1/input.txt")).toEqual(a);

      expect(await blobs.get("jobs/j1/missing")).toBeNull();
      expect(await blobs.bytes("jobs/j1/missing")).toBeNull();
      expect(await blobs.stat("jobs/j1/missing")).toBeNull();
      // A folder is not a blob.
      expect(await blobs.stat("jobs/j1")).toBeNull();
      expect(await blobs.get("jobs")).toBeNull();
    });

    test("put replaces an existing blob", async () => {
      await blobs.put("k", "first");
      const second = await blobs.put("k", "second!");
      expect(second).toEqual({ key: "k", size: 7, sha256: sha("second!") });
      expect(await blobs.stat("k")).toEqual(second);
      expect(text(await blobs.bytes("k"))).toBe("second!");
    });

    test("a 20 MB stream goes in and comes back out byte for byte", async () => {
      const chunk = 1 << 20;
      const chunks = 20;
      const expected = createHash("sha256");
      let sent = 0;
      const body = new ReadableStream<Uint8Array>({
        pull(c) {
          if (sent === chunks) return c.close();
          const data = new Uint8Array(chunk).fill(sent % 251);
          data[0] = sent;
          expected.update(data);
          c.enqueue(data);
          sent++;
        },
      });
      const info = await blobs.put("big/twenty", body);
      const digest = expected.digest("hex");
      expect(info).toEqual({ key: "big/twenty", size: chunks * chunk, sha256: digest });
      const out = createHash("sha256");
      let size = 0;
      for await (const part of (await blobs.get("big/twenty"))!) {
        out.update(part);
        size += part.byteLength;
      }
      expect(size).toBe(chunks * chunk);
      expect(out.digest("hex")).toBe(digest);
      expect(await blobs.stat("big/twenty")).toEqual(info);
    });

    test("maxBytes: too large fails, cancels the body and keeps the old blob", async () => {
      await blobs.put("cap/a", "old");
      expect((await failure(blobs.put("cap/a", new Uint8Array(2000), { maxBytes: 1000 }))).code).toBe("payload_too_large");
      let cancelled = false;
      let pulled = 0;
      const endless = new ReadableStream<Uint8Array>({
        pull(c) {
          pulled++;
          c.enqueue(new Uint8Array(300));
        },
        cancel() {
          cancelled = true;
        },
      });
      expect((await failure(blobs.put("cap/a", endless, { maxBytes: 1000 }))).code).toBe("payload_too_large");
      expect(cancelled).toBe(true);
      expect(pulled).toBeLessThan(10);
      expect(text(await blobs.bytes("cap/a"))).toBe("old");
      expect((await blobs.stat("cap/a"))?.sha256).toBe(sha("old"));
      expect((await failure(blobs.put("cap/new", "x".repeat(11), { maxBytes: 10 }))).code).toBe("payload_too_large");
      expect(await blobs.stat("cap/new")).toBeNull();
      expect((await blobs.list("cap/")).map((b) => b.key)).toEqual(["cap/a"]);
      // Exactly at the limit is fine.
      expect((await blobs.put("cap/b", "x".repeat(10), { maxBytes: 10 })).size).toBe(10);
    });

    test("refuses keys that could leave the store or mean something else", async () => {
      const bad = ["../x", "a/../../x", "/etc/passwd", "a//b", "a\\b", "", "a/./b", ".", "..", "a\0b", "a/", "x".repeat(201)];
      for (const key of bad) {
        for (const attempt of [blobs.put(key, "pwn"), blobs.get(key), blobs.bytes(key), blobs.stat(key), blobs.delete(key)]) {
          expect((await failure(attempt)).code).toBe("invalid_field");
        }
      }
      for (const prefix of ["../", "/etc/", "a//", "a\\b/"]) {
        expect((await failure(blobs.list(prefix))).code).toBe("invalid_field");
        expect((await failure(blobs.deletePrefix(prefix))).code).toBe("invalid_field");
      }
      expect(await blobs.list("")).toEqual([]);
    });

    test("a blob and a folder cannot share a name", async () => {
      await blobs.put("f", "file");
      expect((await failure(blobs.put("f/g", "x"))).code).toBe("conflict");
      expect((await failure(blobs.put("f/g/h", "x"))).code).toBe("conflict");
      await blobs.put("d/e", "x");
      expect((await failure(blobs.put("d", "x"))).code).toBe("conflict");
      expect(text(await blobs.bytes("f"))).toBe("file");
      expect((await blobs.list("")).map((b) => b.key)).toEqual(["d/e", "f"]);
    });

    test("list returns sorted keys under a folder, with sizes and hashes", async () => {
      for (const key of ["b", "a/z", "a/b/c", "a-b", "a/b/a"]) await blobs.put(key, `body of ${key}`);
      expect((await blobs.list("")).map((b) => b.key)).toEqual(["a-b", "a/b/a", "a/b/c", "a/z", "b"]);
      const underA = await blobs.list("a/");
      expect(underA).toEqual(["a/b/a", "a/b/c", "a/z"].map((key) => ({ key, size: `body of ${key}`.length, sha256: sha(`body of ${key}`) })));
      expect(await blobs.list("a")).toEqual(underA);
      expect((await blobs.list("a/b/")).map((b) => b.key)).toEqual(["a/b/a", "a/b/c"]);
      expect(await blobs.list("nope/")).toEqual([]);
      expect(await blobs.list("b/")).toEqual([]); // a blob, not a folder
    });

    test("delete and deletePrefix", async () => {
      for (const key of ["a/x", "a/y/z", "b", "c/d"]) await blobs.put(key, key);
      expect(await blobs.delete("a/x")).toBe(true);
      expect(await blobs.delete("a/x")).toBe(false);
      expect(await blobs.delete("a")).toBe(false); // a folder, not a blob
      expect(await blobs.get("a/x")).toBeNull();
      expect(await blobs.deletePrefix("a/")).toBe(1);
      expect(await blobs.deletePrefix("a/")).toBe(0);
      expect((await blobs.list("")).map((b) => b.key)).toEqual(["b", "c/d"]);
      // Once its folder is gone, the name can hold a blob.
      await blobs.put("a", "now a blob");
      expect(await blobs.deletePrefix("")).toBe(3);
      expect(await blobs.list("")).toEqual([]);
      // The store still works after being emptied.
      await blobs.put("again", "yes");
      expect(text(await blobs.bytes("again"))).toBe("yes");
    });
  });
}
