import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readdir, rm, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MedusaError } from "@medusa/core";
import { blobStoreContract } from "./blob-store.contract.ts";
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

blobStoreContract("folder", async () => {
  const dir = await mkdtemp(join(tmpdir(), "medusa-blobs-"));
  return { store: new FolderBlobStore(dir), close: () => rm(dir, { recursive: true, force: true }) };
});

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

  test("streams a 50 MB body to disk while it arrives, and back out", async () => {
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

  test("refused keys write nothing anywhere", async () => {
    for (const key of ["../x", "a/../../x", "/etc/passwd"]) expect((await failure(blobs.put(key, "pwn"))).code).toBe("invalid_field");
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

  test("a file changed behind the store's back gets a fresh hash", async () => {
    await blobs.put("edited", "before");
    await writeFile(join(root, "edited"), "after, and longer");
    expect(await blobs.stat("edited")).toEqual({ key: "edited", size: 17, sha256: sha("after, and longer") });
    expect((await blobs.list(""))[0]?.sha256).toBe(sha("after, and longer"));
  });
});
