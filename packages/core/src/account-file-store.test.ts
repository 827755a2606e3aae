import { afterAll, describe, expect, test } from "bun:test";
import { scratchBlobs } from "@medusa/testing/scratch-blobs";
import { streamOf } from "@medusa/testing/streams";
import { AccountFiles } from "./account-file-store.ts";

const scratch = scratchBlobs("account-files");
afterAll(() => scratch.remove());
const bytes = (n: number) => new Uint8Array(n).fill(7);

describe("the storage quota", () => {
  test("whole files count; a file that would pass the quota is refused naming it, and a replaced file does not count twice", async () => {
    const files = new AccountFiles(scratch.blobs, 10_000, 1000);
    await files.write("acc_q1", "a.bin", bytes(600));
    const refused = await files.write("acc_q1", "b.bin", bytes(500)).catch((e) => e);
    expect(refused).toMatchObject({ code: "insufficient_storage", httpStatus: 507, expose: true, details: { quotaBytes: 1000, usedBytes: 600 } });
    expect(refused.message).toBe("storage quota of 1000 bytes exceeded: you store 600 bytes (files and unfinished uploads) and this upload would pass it; delete files to make room");
    expect(await files.stat("acc_q1", "b.bin")).toBeNull();
    // Declared up front: refused before a byte is read.
    expect(await files.write("acc_q1", "b.bin", streamOf(bytes(500)), 500).catch((e) => e.message)).toContain("this upload needs 500 bytes more than the 400 left");
    // Replacing a.bin frees its 600 bytes for the new content.
    expect((await files.write("acc_q1", "a.bin", bytes(950))).size).toBe(950);
    expect(await files.usage("acc_q1")).toEqual({ files: 1, fileBytes: 950, pendingUploads: 0, pendingBytes: 0, usedBytes: 950, quotaBytes: 1000 });
    // Another account's quota is its own.
    expect((await files.write("acc_q2", "a.bin", bytes(900))).size).toBe(900);
  });

  test("unfinished uploads count until they finish or are dropped; one that would pass the quota is refused", async () => {
    const files = new AccountFiles(scratch.blobs, 10_000, 1000);
    await files.writePiece("acc_q3", "big.bin", streamOf(bytes(400)), { offset: 0 });
    expect(await files.usage("acc_q3")).toMatchObject({ pendingUploads: 1, pendingBytes: 400, usedBytes: 400 });
    expect(await files.write("acc_q3", "other.bin", bytes(700)).catch((e) => e.code)).toBe("insufficient_storage");
    // The upload's own bytes are not counted against its next piece.
    await files.writePiece("acc_q3", "big.bin", streamOf(bytes(500)), { offset: 400 });
    expect(await files.writePiece("acc_q3", "big.bin", streamOf(bytes(200)), { offset: 900 }).catch((e) => e.code)).toBe("insufficient_storage");
    // Over a cap, an upload can never finish: its bytes are dropped rather than held.
    expect(await files.pending("acc_q3", "big.bin")).toBeNull();
    expect((await files.usage("acc_q3")).usedBytes).toBe(0);
  });

  test("stale unfinished uploads are dropped, fresh ones kept", async () => {
    const files = new AccountFiles(scratch.blobs, 10_000, 1000);
    await files.writePiece("acc_q4", "old.bin", streamOf(bytes(10)), { offset: 0 });
    // Well apart on both sides of the cut: file times move in the kernel's clock ticks (4 ms and more), not milliseconds.
    await Bun.sleep(30);
    const cut = Date.now();
    await Bun.sleep(30);
    await files.writePiece("acc_q5", "new.bin", streamOf(bytes(10)), { offset: 0 });
    expect(await files.dropStaleUploads(cut)).toBe(1);
    expect(await files.pending("acc_q4", "old.bin")).toBeNull();
    expect(await files.pending("acc_q5", "new.bin")).not.toBeNull();
  });
});
