import { expect, test } from "bun:test";
import { mkdir, mkdtemp, readdir, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileBlobsContract } from "./file-blobs.contract.ts";
import { FolderBlobStore } from "./folder-blobs.ts";

fileBlobsContract("folder", async () => {
  const dir = await mkdtemp(join(tmpdir(), "medusa-uploads-"));
  return { store: new FolderBlobStore(dir), close: () => rm(dir, { recursive: true, force: true }) };
});

const once = (s: string) => new Response(s).body!;

test("folder: staged uploads live in one hidden folder that list() and keys can never reach", async () => {
  const dir = await mkdtemp(join(tmpdir(), "medusa-uploads-"));
  try {
    const store = new FolderBlobStore(dir);
    await store.uploads.stage("a/b.txt", once("half"), { offset: 0 });
    expect(await readdir(dir)).toEqual([".uploads\\staged"]);
    const names = (await readdir(join(dir, ".uploads\\staged"))).sort();
    expect(names).toHaveLength(2);
    for (const name of names) expect(name).toMatch(/^[0-9a-f]{64}\.(part|key)$/);
    expect(await store.list("")).toEqual([]);
    // Committing moves the part into the store: nothing is left beside it.
    await store.uploads.commit("a/b.txt");
    expect(await readdir(join(dir, ".uploads\\staged"))).toEqual([]);
    expect((await store.list("")).map((b) => b.key)).toEqual(["a/b.txt"]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("folder: a symlink planted in place of the staging folder is refused, and nothing is written through it", async () => {
  const dir = await mkdtemp(join(tmpdir(), "medusa-uploads-"));
  try {
    const outside = join(dir, "outside");
    await mkdir(join(dir, "store"), { recursive: true });
    await mkdir(outside);
    await mkdir(join(dir, "store", ".uploads\\staged"), { recursive: true });
    await rm(join(dir, "store", ".uploads\\staged"), { recursive: true });
    await symlink(outside, join(dir, "store", ".uploads\\staged"));
    const store = new FolderBlobStore(join(dir, "store"));
    expect(store.uploads.stage("x", once("pwn"), { offset: 0 })).rejects.toThrow("is not a folder");
    expect(await readdir(outside)).toEqual([]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
