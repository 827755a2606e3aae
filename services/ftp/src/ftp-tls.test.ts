import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ALICE } from "@medusa/testing/fake-services";
import { curl, ftpHarness, python, type FtpHarness } from "../test/ftp-harness.ts";

/** Explicit FTPS (AUTH TLS) with a self-signed certificate made here by openssl; slowed and locked-out logins. */
let certs: string;
let tls: { cert: string; key: string };
beforeAll(async () => {
  certs = await mkdtemp(join(tmpdir(), "medusa-ftp-certs-"));
  const made = Bun.spawnSync(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost", "-keyout", join(certs, "key.pem"), "-out", join(certs, "cert.pem")], { stderr: "pipe" });
  if (made.exitCode !== 0) throw new Error(`openssl failed: ${made.stderr.toString()}`);
  tls = { cert: await readFile(join(certs, "cert.pem"), "utf8"), key: await readFile(join(certs, "key.pem"), "utf8") };
});
afterAll(() => rm(certs, { recursive: true, force: true }));

describe("FTPS", () => {
  let h: FtpHarness;
  beforeAll(async () => (h = await ftpHarness({ tls, requireTls: true })));
  afterAll(() => h.close());

  test("ftplib over AUTH TLS with protected data connections: upload, list, download", async () => {
    const out = await python(
      h.ftp.port,
      ALICE.email,
      ALICE.password,
      `
f = connect(tls=True)
f.storbinary("STOR secret/plan.txt", io.BytesIO(b"over TLS"))
buf = io.BytesIO(); f.retrbinary("RETR secret/plan.txt", buf.write)
print(json.dumps([type(f.sock).__name__, f.nlst("secret"), buf.getvalue().decode(), [n for n, _ in f.mlsd()]]))`,
    );
    expect(out).toEqual(["SSLSocket", ["plan.txt"], "over TLS", ["secret"]]);
  });

  test("curl --ssl-reqd uploads into a new folder and reads it back", async () => {
    const base = `ftp://127.0.0.1:${h.ftp.port}`;
    const up = await curl("--ssl-reqd", "-k", "--ftp-create-dirs", "-u", `${ALICE.email}:${ALICE.key}`, "-T", join(certs, "cert.pem"), `${base}/from-curl/cert.pem`);
    expect(up).toMatchObject({ code: 0, err: "" });
    const down = await curl("--ssl-reqd", "-k", "-u", `${ALICE.email}:${ALICE.key}`, `${base}/from-curl/cert.pem`);
    expect(down.out).toBe(tls.cert);
  });

  test("with TLS required, a plain-text login is refused before the password is sent", async () => {
    expect(await python(h.ftp.port, ALICE.email, ALICE.password, `print(json.dumps(refused(connect)))`)).toBe("530 this server requires TLS: send AUTH TLS before logging in");
    const plain = await curl("-u", `${ALICE.email}:${ALICE.password}`, `ftp://127.0.0.1:${h.ftp.port}/`);
    expect(plain.code).not.toBe(0);
  });

  test("without a certificate, AUTH TLS is refused and plain FTP works", async () => {
    const plainServer = await ftpHarness();
    try {
      const out = await python(plainServer.ftp.port, ALICE.email, ALICE.password, `print(json.dumps([refused(lambda: connect(tls=True)), connect().pwd()]))`);
      expect(out).toEqual(["502 TLS is not configured here", "/"]);
    } finally {
      await plainServer.close();
    }
  });
});

describe("failed logins from one address", () => {
  test("are answered more slowly, then locked out (the right password too), logged, and let in again later", async () => {
    let clock = 1_000_000;
    const h = await ftpHarness({ loginPolicy: { freeFailures: 1, maxDelayMs: 50, lockoutAfter: 3, lockoutMs: 60_000, windowMs: 600_000 }, now: () => clock });
    try {
      const attempt = (secret: string) => python(h.ftp.port, ALICE.email, secret, `print(json.dumps(refused(connect)))`);
      for (let i = 0; i < 3; i++) expect(await attempt("guess")).toBe("530 email or password (or API key) is wrong");
      expect(await attempt(ALICE.password)).toBe("530 too many failed logins from your address; try again in 60 s");
      expect(h.logged.filter((l) => l.includes("from 127.0.0.1"))).toEqual([
        `failed login for ${ALICE.email} from 127.0.0.1 (1 in a row)`,
        `failed login for ${ALICE.email} from 127.0.0.1 (2 in a row; answering after 50 ms)`,
        `failed login for ${ALICE.email} from 127.0.0.1 (3 in a row; locked out for 60 s)`,
        `login for ${ALICE.email} from 127.0.0.1 refused: locked out for 60 s after repeated failures`,
      ]);
      clock += 61_000;
      expect(await attempt(ALICE.password)).toBeNull();
    } finally {
      await h.close();
    }
  });
});
