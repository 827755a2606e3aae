import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdir, readdir, readFile, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { AccountFiles, accountFileKey, sha256Hex } from "@medusa/core";
import { ALICE, BOB } from "@medusa/testing/fake-services";
import { curl, ftpHarness, python, type FtpHarness } from "../test/ftp-harness.ts";

/** The FTP service driven by real clients: Python's ftplib and curl. */
let h: FtpHarness;
let url: string;
beforeAll(async () => {
  h = await ftpHarness();
  url = `ftp://127.0.0.1:${h.ftp.port}`;
});
afterAll(() => h.close());

const alice = (script: string, secret = ALICE.password) => python(h.ftp.port, ALICE.email, secret, script);
const bob = (script: string) => python(h.ftp.port, BOB.email, BOB.password, script);

describe("logging in", () => {
  test("with the account's password or one of its API keys, by ftplib and by curl", async () => {
    expect(await alice(`f = connect(); print(json.dumps(f.pwd()))`)).toBe("/");
    expect(await alice(`f = connect(); print(json.dumps(f.pwd()))`, ALICE.key)).toBe("/");
    await h.blobs.put(accountFileKey(ALICE.id, "hello.txt"), "hi from REST\n");
    const got = await curl("-u", `${ALICE.email}:${ALICE.key}`, `${url}/hello.txt`);
    expect(got).toMatchObject({ code: 0, out: "hi from REST\n" });
  });

  test("a wrong password, another account's key or an unknown email get 530", async () => {
    const attempts = [
      [ALICE.email, "wrong horse"],
      [ALICE.email, BOB.key],
      ["nobody@example.com", ALICE.password],
    ];
    for (const [user, secret] of attempts) {
      expect(await python(h.ftp.port, user!, secret!, `print(json.dumps(refused(connect)))`)).toBe("530 email or password (or API key) is wrong");
    }
    const denied = await curl("-u", `${ALICE.email}:nope`, `${url}/hello.txt`);
    expect(denied.code).toBe(67); // curl: login denied
    expect(h.logged.filter((l) => l.startsWith(`failed login for ${ALICE.email} from 127.0.0.1`)).length).toBeGreaterThanOrEqual(3);
  });

  test("nothing but logging in works before it; active mode (PORT) never", async () => {
    const before = await python(h.ftp.port, "", "", `
f = ftplib.FTP(); f.connect("127.0.0.1", int(os.environ["FTP_PORT"]), timeout=10)
print(json.dumps([refused(f.nlst), refused(f.size, "hello.txt")]))`);
    expect(before).toEqual(["530 Command requires authentication: TYPE", "530 Command requires authentication: SIZE"]);
    // The server would connect wherever PORT says: a bounce attack. Passive mode only.
    expect(await alice(`f = connect(); f.set_pasv(False); print(json.dumps(refused(f.nlst)))`)).toBe("502 Command blacklisted: PORT");
  });
});

describe("files and folders", () => {
  test("what FTP stores is the account's file for the REST API and jobs, under the same key, and the other way round", async () => {
    const out = await alice(`
f = connect()
f.storbinary("STOR data/in.txt", io.BytesIO(b"1\\n2\\n3\\n"))
print(json.dumps(f.size("data/in.txt")))`);
    expect(out).toBe(6);
    const files = new AccountFiles(h.blobs, 1 << 30);
    expect(await files.stat(ALICE.id, "data/in.txt")).toEqual({ path: "data/in.txt", size: 6, sha256: sha256Hex("1\n2\n3\n") });
    await files.write(ALICE.id, "data/from-rest.txt", "made over REST");
    expect(await alice(`f = connect(); print(json.dumps(sorted(f.nlst("data"))))`)).toEqual(["from-rest.txt", "in.txt"]);
  });

  test("SIZE, MDTM, LIST, MLSD, MLST, MKD, CWD, CDUP, RNFR/RNTO, DELE and RMD behave as clients expect", async () => {
    const out = await alice(`
f = connect()
r = {}
r["feat"] = [l.strip() for l in f.sendcmd("FEAT").splitlines() if "MLST" in l or "SIZE" in l or "MDTM" in l or "AUTH" in l]
r["mkd"] = f.mkd("new/deeper")
f.cwd("new/deeper")
r["pwd"] = f.pwd()
f.storbinary("STOR notes.txt", io.BytesIO(b"twelve bytes"))
r["size"] = f.size("notes.txt")
r["mdtm"] = f.voidcmd("MDTM notes.txt")
f.cwd("..")
r["cdup"] = (f.voidcmd("CDUP"), f.pwd())[1]
lines = []; f.retrlines("LIST new/deeper", lines.append); r["list"] = [l.split()[0] + " " + l.split()[4] + " " + l.split()[-1] for l in lines]
r["mlsd"] = sorted((n, facts["type"], facts.get("size")) for n, facts in f.mlsd("new"))
r["mlst"] = f.sendcmd("MLST new/deeper/notes.txt").splitlines()[1].strip()
r["rename"] = f.rename("new/deeper/notes.txt", "moved.txt")
r["after_rename"] = sorted(f.nlst())
r["rename_dir"] = f.rename("data", "archive/data")
r["archive"] = sorted(f.nlst("archive/data"))
r["rmd_full"] = refused(f.rmd, "archive")
f.delete("moved.txt")
r["deleted"] = refused(f.size, "moved.txt")
f.mkd("empty"); r["rmd"] = f.rmd("empty")
r["gone"] = "empty" in f.nlst()
f.mkd("empty2"); r["empty_list"] = f.nlst("empty2"); f.rmd("empty2")
print(json.dumps(r))`);
    expect(out.feat).toEqual(expect.arrayContaining(["AUTH TLS", "MDTM", "SIZE", "MLST type*;size*;modify*;perm*;"]));
    expect(out.mkd).toBe("/new/deeper");
    expect(out.pwd).toBe("/new/deeper");
    expect(out.size).toBe(12);
    expect(out.mdtm).toMatch(/^213 \d{14}\.\d{3}$/);
    expect(out.cdup).toBe("/");
    expect(out.list).toEqual(["-rw-r--r-- 12 notes.txt"]);
    expect(out.mlsd).toEqual([["deeper", "dir", null]]);
    expect(out.mlst).toMatch(/^type=file;size=12;perm=rwdf;modify=\d{14}; new\/deeper\/notes.txt$/);
    expect(out.rename).toStartWith("250");
    expect(out.after_rename).toEqual(expect.arrayContaining(["moved.txt", "data"]));
    expect(out.after_rename).not.toContain("new"); // its only file moved away
    expect(out.archive).toEqual(["from-rest.txt", "in.txt"]);
    expect(out.rmd_full).toBe('550 /archive is not empty');
    expect(out.deleted).toStartWith("550");
    expect(out.gone).toBe(false);
    expect(out.empty_list).toEqual([]);
    // The REST API sees the same tree.
    expect((await new AccountFiles(h.blobs, 1 << 30).list(ALICE.id)).map((f) => f.path)).toEqual(["archive/data/from-rest.txt", "archive/data/in.txt", "hello.txt"]);
  });

  test("REST resumes a download; curl -C - resumes one too", async () => {
    await h.blobs.put(accountFileKey(ALICE.id, "digits.txt"), "0123456789");
    expect(await alice(`
f = connect(); buf = io.BytesIO(); f.retrbinary("RETR digits.txt", buf.write, rest=7); print(json.dumps(buf.getvalue().decode()))`)).toBe("789");
    const partial = join(h.dir, "digits.part");
    await writeFile(partial, "0123");
    expect((await curl("-u", `${ALICE.email}:${ALICE.password}`, "-C", "-", "-o", partial, `${url}/digits.txt`)).code).toBe(0);
    expect(await readFile(partial, "utf8")).toBe("0123456789");
  });

  test("a file over the account's size cap is refused and nothing of it is kept", async () => {
    const small = await ftpHarness({ maxFileBytes: 1000 });
    try {
      const out = await python(small.ftp.port, ALICE.email, ALICE.password, `
f = connect()
r = [refused(f.storbinary, "STOR big.bin", io.BytesIO(b"x" * 5000)), f.nlst()]
print(json.dumps(r))`);
      expect(out[0]).toBe("550 file is over the limit of 1000 bytes");
      expect(out[1]).toEqual([]);
      expect(await small.blobs.uploads.stagedUnder("")).toEqual([]);
    } finally {
      await small.close();
    }
  });
});

describe("nothing outside the account's folder", () => {
  test("traversal, NUL bytes, backslashes and over-long names are refused with FTP errors", async () => {
    await h.blobs.put(accountFileKey(BOB.id, "bobs.txt"), "bob's secret");
    const out = await alice(`
f = connect()
tries = [
  (f.cwd, "../.."), (f.cwd, "/.."), (f.size, "../../" + ${JSON.stringify(BOB.id)} + "/files/bobs.txt"),
  (f.retrbinary, "RETR ../x", print), (f.storbinary, "STOR ../../escape.txt", io.BytesIO(b"pwn")),
  (f.storbinary, "STOR /../escape.txt", io.BytesIO(b"pwn")), (f.delete, "a\\x00b"), (f.mkd, "a\\\\b"),
  (f.storbinary, "STOR " + "n" * 300, io.BytesIO(b"x")), (f.rename, "hello.txt", "../../stolen.txt"),
  (f.size, "/etc/passwd"),
]
print(json.dumps([refused(*t) for t in tries]))`);
    expect(out).toHaveLength(11);
    for (const reply of out) expect(reply).toMatch(/^5\d\d /);
    expect(out[0]).toContain("climbs above your top folder");
    expect(out[6]).toContain("NUL");
    expect(out[7]).toContain("backslash");
    expect(out[8]).toContain("over 200 bytes");
    expect(out[10]).toContain("/etc/passwd: no such file");
    // Nothing was written beside or above the account's folder.
    expect(await readdir(join(h.dir, "blobs"))).toEqual(["accounts", ".uploads\\staged"].sort());
    expect((await readdir(join(h.dir, "blobs", "accounts"))).sort()).toEqual([ALICE.id, BOB.id].sort());
  });

  test("a symlink planted in the account's folder leads nowhere", async () => {
    const outside = join(h.dir, "outside");
    await mkdir(outside);
    await writeFile(join(outside, "secret"), "top secret");
    await symlink(outside, join(h.dir, "blobs", "accounts", ALICE.id, "files", "evil"));
    const out = await alice(`
f = connect()
buf = io.BytesIO()
print(json.dumps([refused(f.retrbinary, "RETR evil/secret", buf.write), refused(f.storbinary, "STOR evil/planted", io.BytesIO(b"pwn")), refused(f.delete, "evil/secret"), buf.getvalue().decode()]))`);
    expect(out.slice(0, 3).every((r: string | null) => r !== null && /^5\d\d /.test(r))).toBe(true);
    expect(out[3]).toBe("");
    expect(await readdir(outside)).toEqual(["secret"]);
    expect(await readFile(join(outside, "secret"), "utf8")).toBe("top secret");
  });

  test("one account cannot list, read or delete another's files", async () => {
    await alice(`f = connect(); f.storbinary("STOR private/diary.txt", io.BytesIO(b"dear diary"))`);
    const out = await bob(`
f = connect()
buf = io.BytesIO()
print(json.dumps([sorted(f.nlst()), refused(f.retrbinary, "RETR private/diary.txt", buf.write), refused(f.delete, "private/diary.txt"), refused(f.size, "/private/diary.txt"), refused(f.nlst, "private")]))`);
    expect(out[0]).toEqual(["bobs.txt"]);
    expect(out[1]).toStartWith("5");
    expect(out[2]).toStartWith("5");
    expect(out[3]).toStartWith("5");
    expect(out[4]).toStartWith("4"); // LIST of a folder Bob does not have: 451
    expect(await new Response(await h.blobs.get(accountFileKey(ALICE.id, "private/diary.txt"))).text()).toBe("dear diary");
  });
});
