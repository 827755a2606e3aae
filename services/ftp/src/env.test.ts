import { expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ftpEnv, ftpOptions } from "./env.ts";

const NATS = { MEDUSA_NATS_URL: "nats://127.0.0.1:4222" };

test("defaults: port 2121, passive ports 30000-30009, no TLS, the REST API's file cap", () => {
  const env = ftpEnv(NATS);
  expect(env.MEDUSA_FTP_PORT).toBe(2121);
  const options = ftpOptions(env, env.MEDUSA_FTP_PORT);
  expect(options).toMatchObject({ host: "0.0.0.0", port: 2121, pasvPorts: { min: 30000, max: 30009 }, maxFileBytes: 1024 ** 3 });
  expect(options.tls).toBeUndefined();
  expect(options.pasvAddress).toBeUndefined();
});

test("passive ports: a range, or 0 for any free port; anything else names the variable", () => {
  expect(ftpEnv({ ...NATS, MEDUSA_FTP_PASV_PORTS: "40000-40001" }).MEDUSA_FTP_PASV_PORTS).toEqual({ min: 40000, max: 40001 });
  expect(ftpEnv({ ...NATS, MEDUSA_FTP_PASV_PORTS: "0" }).MEDUSA_FTP_PASV_PORTS).toEqual({ min: 0, max: 0 });
  for (const bad of ["30009-30000", "30000", "1-70000", "a-b"]) expect(() => ftpEnv({ ...NATS, MEDUSA_FTP_PASV_PORTS: bad })).toThrow("MEDUSA_FTP_PASV_PORTS");
});

test("alone it needs NATS", () => {
  expect(() => ftpEnv({})).toThrow("MEDUSA_NATS_URL");
});

test("TLS: both files or neither; with them plain-text logins are refused unless MEDUSA_FTP_REQUIRE_TLS=0", () => {
  const dir = mkdtempSync(join(tmpdir(), "medusa-ftp-env-"));
  try {
    writeFileSync(join(dir, "cert.pem"), "CERT");
    writeFileSync(join(dir, "key.pem"), "KEY");
    const files = { MEDUSA_FTP_TLS_CERT: join(dir, "cert.pem"), MEDUSA_FTP_TLS_KEY: join(dir, "key.pem") };
    expect(ftpOptions(ftpEnv({ ...NATS, ...files }), 0)).toMatchObject({ tls: { cert: "CERT", key: "KEY" }, requireTls: true });
    expect(ftpOptions(ftpEnv({ ...NATS, ...files, MEDUSA_FTP_REQUIRE_TLS: "0" }), 0).requireTls).toBe(false);
    expect(() => ftpOptions(ftpEnv({ ...NATS, MEDUSA_FTP_TLS_CERT: files.MEDUSA_FTP_TLS_CERT }), 0)).toThrow("set both or neither");
    expect(() => ftpOptions(ftpEnv({ ...NATS, MEDUSA_FTP_REQUIRE_TLS: "1" }), 0)).toThrow("MEDUSA_FTP_REQUIRE_TLS");
    expect(() => ftpOptions(ftpEnv({ ...NATS, ...files, MEDUSA_FTP_TLS_KEY: join(dir, "missing.pem") }), 0)).toThrow("MEDUSA_FTP_TLS_KEY: cannot read");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
