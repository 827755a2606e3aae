import { afterAll, beforeAll, expect, test } from "bun:test";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { AccountFiles } from "@medusa/core";
import { ALICE, BOB } from "@medusa/testing/fake-services";
import { curl, ftpHarness, python, type FtpHarness } from "../test/ftp-harness.ts";

/** The storage quota over FTP: the same AccountFiles as REST, so files stored either way count, and a full quota is a 552. */
let h: FtpHarness;
let rest: AccountFiles;
beforeAll(async () => {
  h = await ftpHarness({ quotaBytes: 1000 });
  rest = new AccountFiles(h.blobs, 1 << 30, 1000);
});
afterAll(() => h.close());

const alice = (script: string) => python(h.ftp.port, ALICE.email, ALICE.password, script);

test("a STOR or APPE that would pass the quota gets 552 and keeps nothing; what REST stored counts; deleting makes room", async () => {
  await rest.write(ALICE.id, "from-rest.bin", new Uint8Array(600));
  const out = await alice(`
f = connect()
r = [refused(f.storbinary, "STOR big.bin", io.BytesIO(b"x" * 500))]
r.append(refused(f.storbinary, "STOR small.bin", io.BytesIO(b"y" * 300)))
r.append(refused(f.storbinary, "APPE small.bin", io.BytesIO(b"z" * 200)))
r.append(sorted(f.nlst()))
print(json.dumps(r))`);
  const full = "storage quota of 1000 bytes exceeded: you store 600 bytes (files and unfinished uploads) and this upload would pass it; delete files to make room";
  expect(out[0]).toBe(`552 ${full}`);
  expect(out[1]).toBeNull();
  expect(out[2]).toBe(`552 ${full.replace("600 bytes", "900 bytes")}`);
  expect(out[3]).toEqual(["from-rest.bin", "small.bin"]);
  expect(await h.blobs.uploads.stagedUnder("")).toEqual([]);
  expect((await rest.usage(ALICE.id)).usedBytes).toBe(900);
  // curl reads the 552 as the server being out of space, and BOB's quota is his own.
  const file = join(h.dir, "more.bin");
  await writeFile(file, new Uint8Array(500));
  const curled = await curl("-u", `${ALICE.email}:${ALICE.password}`, "-T", file, `ftp://127.0.0.1:${h.ftp.port}/more.bin`);
  expect(curled.code).toBe(70); // curl reads 552 as CURLE_REMOTE_DISK_FULL
  expect(curled.err).toContain("Exceeded storage allocation");
  expect(await python(h.ftp.port, BOB.email, BOB.password, `f = connect(); print(json.dumps(refused(f.storbinary, "STOR b.bin", io.BytesIO(b"b" * 900))))`)).toBeNull();
  await rest.delete(ALICE.id, "from-rest.bin");
  expect(await alice(`f = connect(); print(json.dumps(refused(f.storbinary, "STOR big.bin", io.BytesIO(b"x" * 500))))`)).toBeNull();
});
