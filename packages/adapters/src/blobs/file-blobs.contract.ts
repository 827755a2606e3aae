import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { MedusaError, type FileBlobStore } from "@medusa/core";

/**
 * One suite every FileBlobStore adapter must pass: staged uploads (resumed
 * transfers), ranged reads, moves and modification times, on top of the
 * plain BlobStore behaviour each adapter's own tests cover.
 */
const sha = (data: string | Uint8Array) => createHash("sha256").update(data).digest("hex");
const text = async (s: ReadableStream<Uint8Array> | null) => (s === null ? null : await new Response(s).text());

function streamOf(...parts: string[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(c) {
      for (const p of parts) c.enqueue(new TextEncoder().encode(p));
      c.close();
    },
  });
}

/** Delivers `parts`, then fails the way a dropped connection fails a request body. */
function droppedAfter(...parts: string[]): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream({
    pull(c) {
      if (i < parts.length) c.enqueue(new TextEncoder().encode(parts[i++]!));
      else c.error(new Error("connection reset"));
    },
  });
}

async function failure(p: Promise<unknown>): Promise<MedusaError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(MedusaError);
  return err as MedusaError;
}

export function fileBlobsContract(name: string, open: () => Promise<{ store: FileBlobStore; close(): Promise<void> }>) {
  describe(`${name}: file blob store`, () => {
    let store: FileBlobStore;
    let close: () => Promise<void>;
    beforeEach(async () => ({ store, close } = await open()));
    afterEach(() => close());

    test("a staged upload is invisible until committed, then replaces the blob in one step", async () => {
      await store.put("f/a.txt", "old");
      const first = await store.uploads.stage("f/a.txt", streamOf("hello "), { offset: 0 });
      expect(first).toMatchObject({ key: "f/a.txt", size: 6 });
      expect(first.modifiedAt).toBeGreaterThan(Date.now() - 60_000);
      expect(await text(await store.get("f/a.txt"))).toBe("old");
      expect((await store.list("f/")).map((b) => b.key)).toEqual(["f/a.txt"]);
      expect(await store.stat("f/b.txt")).toBeNull();

      expect((await store.uploads.stage("f/a.txt", streamOf("world"), { offset: 6 })).size).toBe(11);
      const info = await store.uploads.commit("f/a.txt");
      expect(info).toEqual({ key: "f/a.txt", size: 11, sha256: sha("hello world") });
      expect(await store.stat("f/a.txt")).toEqual(info);
      expect(await text(await store.get("f/a.txt"))).toBe("hello world");
      expect(await store.uploads.staged("f/a.txt")).toBeNull();
      expect(await store.uploads.stagedUnder("")).toEqual([]);
    });

    test("bytes that arrived before a dropped connection stay staged, and the upload resumes there", async () => {
      const err = await store.uploads.stage("big.bin", droppedAfter("abc", "def"), { offset: 0 }).catch((e) => e);
      expect(err).toBeInstanceOf(Error);
      expect((await store.uploads.staged("big.bin"))?.size).toBe(6);
      expect(await store.stat("big.bin")).toBeNull();
      await store.uploads.stage("big.bin", streamOf("ghi"), { offset: 6 });
      expect((await store.uploads.commit("big.bin", { size: 9 })).sha256).toBe(sha("abcdefghi"));
    });

    test("an offset inside the staged bytes drops what follows it; one past them is a conflict", async () => {
      await store.uploads.stage("k", streamOf("0123456789"), { offset: 0 });
      await store.uploads.stage("k", streamOf("ab"), { offset: 4 });
      expect((await store.uploads.staged("k"))?.size).toBe(6);
      const past = await failure(store.uploads.stage("k", streamOf("x"), { offset: 7 }));
      expect(past.code).toBe("conflict");
      expect(past.details).toEqual({ size: 6 });
      expect((await failure(store.uploads.stage("fresh", streamOf("x"), { offset: 1 }))).code).toBe("conflict");
      expect(await store.uploads.staged("fresh")).toBeNull();
      // Starting over at 0 replaces everything staged.
      await store.uploads.stage("k", streamOf("new"), { offset: 0 });
      expect(await text(await (async () => (await store.uploads.commit("k"), store.get("k")))())).toBe("new");
    });

    test("commit with a size checks that every byte arrived", async () => {
      await store.uploads.stage("part", streamOf("12345"), { offset: 0 });
      const short = await failure(store.uploads.commit("part", { size: 10 }));
      expect(short.code).toBe("conflict");
      expect(await store.stat("part")).toBeNull();
      expect((await failure(store.uploads.commit("none"))).code).toBe("not_found");
    });

    test("maxBytes caps the whole staged upload, not one piece", async () => {
      await store.uploads.stage("cap", streamOf("123456"), { offset: 0, maxBytes: 10 });
      expect((await failure(store.uploads.stage("cap", streamOf("7890", "X"), { offset: 6, maxBytes: 10 }))).code).toBe("payload_too_large");
      expect((await store.uploads.staged("cap"))?.size).toBeLessThanOrEqual(10);
    });

    test("seedFromBlob resumes from a committed blob's first bytes, leaving the blob as it is until commit", async () => {
      await store.put("seeded", "abcdefgh");
      await store.uploads.stage("seeded", streamOf("XY"), { offset: 3, seedFromBlob: true });
      expect(await text(await store.get("seeded"))).toBe("abcdefgh");
      await store.uploads.commit("seeded");
      expect(await text(await store.get("seeded"))).toBe("abcXY");
      expect((await failure(store.uploads.stage("seeded", streamOf("Z"), { offset: 99, seedFromBlob: true }))).code).toBe("conflict");
      expect(await store.uploads.staged("seeded")).toBeNull();
    });

    test("a newer piece of the same upload stops an older one that is stuck", async () => {
      let stuckRead!: () => void;
      const reading = new Promise<void>((r) => (stuckRead = r));
      const stuck = new ReadableStream<Uint8Array>({
        start(c) {
          c.enqueue(new TextEncoder().encode("abc"));
        },
        pull() {
          stuckRead();
          return new Promise(() => {}); // the connection went quiet and never closes
        },
      });
      const old = failure(store.uploads.stage("s", stuck, { offset: 0 }));
      await reading;
      while ((await store.uploads.staged("s"))?.size !== 3) await Bun.sleep(5);
      const newer = await store.uploads.stage("s", streamOf("def"), { offset: 3 });
      expect(newer.size).toBe(6);
      expect((await old).code).toBe("conflict");
      expect((await store.uploads.commit("s")).sha256).toBe(sha("abcdef"));
    });

    test("stagedUnder lists by prefix; discard drops an upload", async () => {
      for (const key of ["acc/b", "acc/a/x", "other/c"]) await store.uploads.stage(key, streamOf(key), { offset: 0 });
      expect((await store.uploads.stagedUnder("acc/")).map((u) => [u.key, u.size])).toEqual([
        ["acc/a/x", 7],
        ["acc/b", 5],
      ]);
      expect(await store.uploads.discard("acc/b")).toBe(true);
      expect(await store.uploads.discard("acc/b")).toBe(false);
      expect((await store.uploads.stagedUnder("")).map((u) => u.key)).toEqual(["acc/a/x", "other/c"]);
    });

    test("getFrom reads from an offset; modifiedAt and move", async () => {
      await store.put("r/file", "0123456789");
      expect(await text(await store.getFrom("r/file", 7))).toBe("789");
      expect(await text(await store.getFrom("r/file", 10))).toBe("");
      expect(await store.getFrom("r/missing", 0)).toBeNull();
      const at = await store.modifiedAt("r/file");
      expect(at).toBeGreaterThan(Date.now() - 60_000);
      expect(await store.modifiedAt("r/missing")).toBeNull();

      await store.put("r/other", "replaced");
      expect(await store.move("r/file", "moved/deeper/file")).toBe(true);
      expect(await store.stat("r/file")).toBeNull();
      expect(await store.stat("moved/deeper/file")).toEqual({ key: "moved/deeper/file", size: 10, sha256: sha("0123456789") });
      expect(await store.move("moved/deeper/file", "r/other")).toBe(true);
      expect(await text(await store.get("r/other"))).toBe("0123456789");
      expect(await store.move("r/missing", "r/x")).toBe(false);
      // A blob and a folder still cannot share a name.
      expect((await failure(store.move("r/other", "moved"))).code).toBe("conflict");
    });

    test("keys are checked as strictly as BlobStore's", async () => {
      for (const key of ["../x", "/abs", "a//b", "a\0b"]) {
        expect((await failure(store.uploads.stage(key, streamOf("x"), { offset: 0 }))).code).toBe("invalid_field");
        expect((await failure(store.uploads.staged(key))).code).toBe("invalid_field");
        expect((await failure(store.move("fine", key))).code).toBe("invalid_field");
      }
    });
  });
}
