import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readdir, rm, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MedusaError } from "@medusa/core";
import { FolderBlobStore } from "./folder-blobs.ts";

const sha = (data: string | Uint8Array) => createHash("sha256").update(data).digest("hex");
const text = (b: Uint8Array | null) => (b === null ? null : new TextDecoder().decode(b));

async function failure(p: Promise<unknown>): Promise<MedusaError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(MedusaError);
    return err as MedusaError;
  }
  throw new Error("expected a MedusaError");
}

function streamOf(parts: string[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(c) {
      for (const p of parts) c.enqueue(new TextEncoder().encode(p));
      c.close();
    },
  });
}

describe("FolderBlobStore", () => {
  let tmp: string;
  let root: string;
  let outside: string;
  let blobs: FolderBlobStore;

  beforeEach(async () => {
    tmp = await mkdtemp(join(tmpdir(), "medusa-blobs-"));
    root = join(tmp, "store");
    outside = join(tmp, "outside");
    await mkdir(outside);
    await writeFile(join(outside, "secret"), "top secret");
    blobs = new FolderBlobStore(root);
  });
  afterEach(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  test("put/get/bytes/stat round trip for strings, bytes and streams", async () => {
    const a = await blobs.put("jobs/j1/input.txt", "hello\nworld\n");
    expect(a).toEqual({ key: "jobs/j1/input.txt", size: 12, sha256: sha("hello\nworld\n") });
    const b = await blobs.put("jobs/j1/raw", new Uint8Array([0, 1, 2, 255]));
    expect(b.sha256).toBe(sha(new Uint8Array([0, 1, 2, 255])));
    const c = await blobs.put("jobs/j1/streamed", streamOf(["ab", "", "cd", "é"]));
    expect(c).toEqual({ key: "jobs/j1/streamed", size: 6, sha256: sha("abcdé") });

    expect(text(await blobs.bytes("jobs/j1/input.txt"))).toBe("hello\nworld\n");
    expect([...(await blobs.bytes("jobs/j1/raw"))!]).toEqual([0, 1, 2, 255]);
    expect(await new Response(await blobs.get("jobs/j1/streamed")).text()).toBe("abcdé");
    expect(await blobs.stat("jobs/j1/input.txt")).toEqual(a);

    expect(await blobs.get("jobs/j1/missing")).toBeNull();
    expect(await blobs.bytes("jobs/j1/missing")).toBeNull();
    expect(await blobs.stat("jobs/j1/missing")).toBeNull();
    // A folder is not a blob.
    expect(await blobs.stat("jobs/j1")).toBeNull();
  });

  test("put replaces an existing blob", async () => {
    await blobs.put("k", "first");
    const second = await blobs.put("k", "second!");
    expect(second).toEqual({ key: "k", size: 7, sha256: sha("second!") });
    expect(await blobs.stat("k")).toEqual(second);
    expect(text(await blobs.bytes("k"))).toBe("second!");
  });

  test("streams a 50 MB body to disk without holding it, and back out", async () => {
    const chunk = 1 << 20;
    const chunks = 50;
    const expected = createHash("sha256");
    let sent = 0;
    let onDiskMidway = -1;
    const body = new ReadableStream<Uint8Array>({
      async pull(c) {
        if (sent === chunks / 2) {
          // Halfway through the body, most of it must already be in the temp file.
          const names = await readdir(join(root, "big"));
          const temp = names.find((n) => n.includes("\\tmp-"));
          onDiskMidway = temp ? (await stat(join(root, "big", temp))).size : 0;
        }
        if (sent === chunks) return c.close();
        const data = new Uint8Array(chunk).fill(sent % 251);
        data[0] = sent;
        expected.update(data);
        c.enqueue(data);
        sent++;
      },
    });
    const info = await blobs.put("big/fifty", body);
    const digest = expected.digest("hex");
    expect(info).toEqual({ key: "big/fifty", size: chunks * chunk, sha256: digest });
    expect(onDiskMidway).toBeGreaterThanOrEqual((chunks / 2 - 2) * chunk);

    const out = createHash("sha256");
    let size = 0;
    for await (const part of (await blobs.get("big/fifty"))!) {
      out.update(part);
      size += part.byteLength;
    }
    expect(size).toBe(chunks * chunk);
    expect(out.digest("hex")).toBe(digest);
  });

  test("maxBytes: too large fails, leaves no temp file and keeps the old blob", async () => {
    await blobs.put("cap/a", "old");
    const tooBig = await failure(blobs.put("cap/a", new Uint8Array(2000), { maxBytes: 1000 }));
    expect(tooBig.code).toBe("payload_too_large");

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
    expect((await readdir(join(root, "cap"))).filter((n) => n.includes("tmp"))).toEqual([]);
    expect((await failure(blobs.put("cap/new", "x".repeat(11), { maxBytes: 10 }))).code).toBe("payload_too_large");
    expect(await blobs.stat("cap/new")).toBeNull();
    // Exactly at the limit is fine.
    expect((await blobs.put("cap/b", "x".repeat(10), { maxBytes: 10 })).size).toBe(10);
  });

  test("refuses keys that could leave the store or mean something else", async () => {
    const bad = ["../x", "a/../../x", "/etc/passwd", "a//b", "a\\b", "", "a/./b", ".", "..", "a\0b", "a/", "x".repeat(201)];
    for (const key of bad) {
      for (const attempt of [blobs.put(key, "pwn"), blobs.get(key), blobs.bytes(key), blobs.stat(key), blobs.delete(key)]) {
        const err = await failure(attempt);
        expect(err.code).toBe("invalid_field");
      }
    }
    for (const prefix of ["../", "/etc/", "a//", "a\\b/"]) {
      expect((await failure(blobs.list(prefix))).code).toBe("invalid_field");
      expect((await failure(blobs.deletePrefix(prefix))).code).toBe("invalid_field");
    }
    // Nothing was written anywhere: `../x` would have landed beside the store.
    expect((await readdir(tmp)).filter((n) => n !== "store")).toEqual(["outside"]);
    expect(await readdir(root).catch(() => [])).toEqual([]);
  });

  test("symlinks inside the store cannot lead out of it", async () => {
    await mkdir(root, { recursive: true });
    await symlink(outside, join(root, "evil"));
    await symlink(join(outside, "secret"), join(root, "leak"));

    expect((await failure(blobs.put("evil/x", "pwn"))).code).toBe("invalid_field");
    expect((await failure(blobs.put("evil/deeper/x", "pwn"))).code).toBe("invalid_field");
    expect(await readdir(outside)).toEqual(["secret"]);
    expect((await failure(blobs.get("evil/secret"))).code).toBe("invalid_field");
    expect((await failure(blobs.bytes("leak"))).code).toBe("invalid_field");
    expect((await failure(blobs.stat("leak"))).code).toBe("invalid_field");
    expect((await failure(blobs.list("evil/"))).code).toBe("invalid_field");
    expect((await failure(blobs.deletePrefix("evil/"))).code).toBe("invalid_field");
    expect((await failure(blobs.delete("evil/secret"))).code).toBe("invalid_field");
    // list does not follow links either.
    await blobs.put("fine", "ok");
    expect((await blobs.list("")).map((b) => b.key)).toEqual(["fine"]);
    expect(await readdir(outside)).toEqual(["secret"]);
  });

  test("a blob and a folder cannot share a name", async () => {
    await blobs.put("f", "file");
    expect((await failure(blobs.put("f/g", "x"))).code).toBe("conflict");
    await blobs.put("d/e", "x");
    expect((await failure(blobs.put("d", "x"))).code).toBe("conflict");
    expect(text(await blobs.bytes("f"))).toBe("file");
  });

  test("list returns sorted keys under a folder, with sizes and hashes, hiding sidecars", async () => {
    for (const key of ["b", "a/z", "a/b/c", "a-b", "a/b/a"]) await blobs.put(key, `body of ${key}`);
    expect((await blobs.list("")).map((b) => b.key)).toEqual(["a-b", "a/b/a", "a/b/c", "a/z", "b"]);
    const underA = await blobs.list("a/");
    expect(underA).toEqual(["a/b/a", "a/b/c", "a/z"].map((key) => ({ key, size: `body of ${key}`.length, sha256: sha(`body of ${key}`) })));
    expect(await blobs.list("a")).toEqual(underA);
    expect((await blobs.list("a/b/")).map((b) => b.key)).toEqual(["a/b/a", "a/b/c"]);
    expect(await blobs.list("nope/")).toEqual([]);
    expect(await blobs.list("b/")).toEqual([]); // a blob, not a folder
  });

  test("a file changed behind the store's back gets a fresh hash", async () => {
    await blobs.put("edited", "before");
    await writeFile(join(root, "edited"), "after, and longer");
    expect(await blobs.stat("edited")).toEqual({ key: "edited", size: 17, sha256: sha("after, and longer") });
    expect((await blobs.list(""))[0]?.sha256).toBe(sha("after, and longer"));
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
    expect(await blobs.deletePrefix("")).toBe(2);
    expect(await blobs.list("")).toEqual([]);
    // The store still works after being emptied.
    await blobs.put("again", "yes");
    expect(text(await blobs.bytes("again"))).toBe("yes");
  });
});
