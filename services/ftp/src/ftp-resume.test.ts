import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { AccountFiles } from "@medusa/core";
import { sha256OfFile, writeRandomFile } from "@medusa/testing/big-files";
import { ALICE } from "@medusa/testing/fake-services";
import { storResumed, storThenDie } from "@medusa/testing/ftp-clients";
import { until } from "@medusa/testing/until";
import { curl, ftpHarness, python, type FtpHarness } from "../test/ftp-harness.ts";

/**
 * Interrupted uploads: a client killed halfway leaves a pending upload (no
 * file yet: not listed by the REST API, no job input), and REST or APPE
 * finish it from where it stopped.
 */
const SIZE = 20 * 1024 * 1024;
let h: FtpHarness;
let files: AccountFiles;
let source: string;
let digest: string;
beforeAll(async () => {
  h = await ftpHarness();
  files = new AccountFiles(h.blobs, 1 << 30);
  source = join(h.dir, "source.bin");
  digest = await writeRandomFile(source, SIZE, 3);
});
afterAll(() => h.close());

const killedHalfway = (name: string, bytes: number) => storThenDie(h.ftp.port, ALICE.email, ALICE.password, source, name, bytes);

async function pendingSettled(path: string): Promise<number> {
  let last = -1;
  return until(
    async () => {
      const size = (await files.pending(ALICE.id, path))?.size ?? 0;
      const settled = size > 0 && size === last;
      last = size;
      return settled && size;
    },
    10_000,
    `the cut upload of ${path} to settle`,
    { everyMs: 100 },
  );
}

describe("resuming an upload", () => {
  test("a client killed halfway leaves a pending upload, no file; ftplib's REST finishes it", async () => {
    await killedHalfway("ftplib.bin", SIZE / 2);
    const offset = await pendingSettled("ftplib.bin");
    expect(offset).toBeLessThanOrEqual(SIZE / 2);
    expect(await files.stat(ALICE.id, "ftplib.bin")).toBeNull();
    expect((await files.list(ALICE.id)).map((f) => f.path)).not.toContain("ftplib.bin");

    const out = await storResumed(h.ftp.port, ALICE.email, ALICE.password, source, "ftplib.bin");
    expect(out).toEqual([offset, SIZE]);
    expect(await files.stat(ALICE.id, "ftplib.bin")).toEqual({ path: "ftplib.bin", size: SIZE, sha256: digest });
    expect(await files.pending(ALICE.id, "ftplib.bin")).toBeNull();
  });

  test("curl -C - resumes the same way (SIZE, then APPE)", async () => {
    await killedHalfway("curl.bin", SIZE / 2);
    await pendingSettled("curl.bin");
    const resumed = await curl("-u", `${ALICE.email}:${ALICE.key}`, "-C", "-", "-T", source, `ftp://127.0.0.1:${h.ftp.port}/curl.bin`);
    expect(resumed.code).toBe(0);
    expect((await files.stat(ALICE.id, "curl.bin"))?.sha256).toBe(digest);
    const back = join(h.dir, "back.bin");
    expect((await curl("-u", `${ALICE.email}:${ALICE.key}`, "-o", back, `ftp://127.0.0.1:${h.ftp.port}/curl.bin`)).code).toBe(0);
    expect(await sha256OfFile(back)).toBe(digest);
  });

  test("REST on a finished file replaces its tail, keeping the file whole until the new one is", async () => {
    await files.write(ALICE.id, "log.txt", "line 1\nline 2\nBROKEN");
    const out = await python(
      h.ftp.port,
      ALICE.email,
      ALICE.password,
      `
f = connect()
f.storbinary("STOR log.txt", io.BytesIO(b"line 3\\n"), rest=14)
buf = io.BytesIO(); f.retrbinary("RETR log.txt", buf.write)
print(json.dumps([buf.getvalue().decode(), refused(lambda: f.storbinary("STOR log.txt", io.BytesIO(b"x"), rest=999))]))`,
    );
    expect(out).toEqual(["line 1\nline 2\nline 3\n", "550 cannot restart at byte 999: /log.txt has 21"]);
  });
});
